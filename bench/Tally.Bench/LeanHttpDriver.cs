using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tally.Bench;

/// <summary>
/// The HTTP load driver: a minimal HTTP/1.1 keep-alive client in the spirit of wrk — prebuilt
/// request bytes, one request at a time per connection, responses framed by Content-Length or
/// chunked encoding. The server under test and the driver share the same two cores, so the
/// driver must cost as little as it can for the figure to describe the server: HttpClient spent
/// about a fifth of the process's CPU on its own bookkeeping. Only for the benchmark's own
/// requests (no redirects, no TLS, no pipelining, small bodies).
/// </summary>
internal sealed class LeanHttpDriver(IPEndPoint server, string bearerToken) : IDisposable
{
    private readonly ConcurrentBag<Connection> _idle = [];
    private readonly byte[] _headerTail = Encoding.ASCII.GetBytes(
        $" HTTP/1.1\r\nHost: {server}\r\nAuthorization: Bearer {bearerToken}\r\nContent-Type: application/json\r\nContent-Length: ");

    /// <summary>POSTs <paramref name="body"/> to <paramref name="path"/>; returns the response status code.</summary>
    public async Task<int> PostAsync(string path, byte[] body)
    {
        var request = new byte[5 + path.Length + _headerTail.Length + 16 + body.Length];
        var length = Encoding.ASCII.GetBytes("POST ", request);
        length += Encoding.ASCII.GetBytes(path, request.AsSpan(length));
        _headerTail.CopyTo(request, length);
        length += _headerTail.Length;
        length += Encoding.ASCII.GetBytes($"{body.Length}\r\n\r\n", request.AsSpan(length));
        body.CopyTo(request, length);
        length += body.Length;

        var connection = _idle.TryTake(out var idle) ? idle : await Connection.OpenAsync(server);
        try
        {
            var status = await connection.ExchangeAsync(request.AsMemory(0, length));
            _idle.Add(connection);
            return status;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        while (_idle.TryTake(out var connection))
        {
            connection.Dispose();
        }
    }

    private sealed class Connection(Socket socket) : IDisposable
    {
        private readonly byte[] _buffer = new byte[64 * 1024];

        public static async Task<Connection> OpenAsync(IPEndPoint server)
        {
            var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(server);
            return new Connection(socket);
        }

        public async Task<int> ExchangeAsync(ReadOnlyMemory<byte> request)
        {
            await socket.SendAsync(request, SocketFlags.None);
            var received = 0;
            var headerEnd = -1;
            while (true)
            {
                var read = await socket.ReceiveAsync(_buffer.AsMemory(received), SocketFlags.None);
                if (read == 0)
                {
                    throw new IOException("the server closed the connection");
                }

                received += read;
                if (headerEnd < 0)
                {
                    headerEnd = _buffer.AsSpan(0, received).IndexOf("\r\n\r\n"u8);
                    if (headerEnd < 0)
                    {
                        continue;
                    }

                    headerEnd += 4;
                }

                if (IsComplete(_buffer.AsSpan(0, received), headerEnd))
                {
                    return (_buffer[9] - '0') * 100 + (_buffer[10] - '0') * 10 + (_buffer[11] - '0');
                }
            }
        }

        private static bool IsComplete(ReadOnlySpan<byte> response, int headerEnd)
        {
            var headers = Encoding.ASCII.GetString(response[..headerEnd]);
            var at = headers.IndexOf("\r\ncontent-length:", StringComparison.OrdinalIgnoreCase);
            if (at >= 0)
            {
                var start = at + "\r\ncontent-length:".Length;
                var end = headers.IndexOf('\r', start);
                return response.Length >= headerEnd + int.Parse(headers.AsSpan(start, end - start).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }

            // Chunked: the body ends with the zero-length chunk (JSON bodies carry no raw CRLF).
            return headers.Contains("chunked", StringComparison.OrdinalIgnoreCase)
                ? response[headerEnd..].EndsWith("0\r\n\r\n"u8)
                : true;
        }

        public void Dispose() => socket.Dispose();
    }
}
