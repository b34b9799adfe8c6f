using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Tally.TestSupport.Faults;

/// <summary>Where a <see cref="CuttingProxy"/> cuts, as probabilities per forwarded chunk.</summary>
/// <param name="AfterClientChunk">Forward a chunk the client sent, then cut: the server may or may not act on it.</param>
/// <param name="BeforeCommitReply">Cut instead of forwarding the server's answer to a COMMIT: committed, reply lost.</param>
/// <param name="BeforeServerChunk">Cut instead of forwarding any other chunk the server sent.</param>
/// <param name="FirstCommitReplies">Always cut instead of forwarding this many of the first COMMIT replies, so every run has commits in doubt.</param>
public sealed record CutPlan(double AfterClientChunk, double BeforeCommitReply, double BeforeServerChunk, int FirstCommitReplies = 0);

/// <summary>
/// A TCP proxy on loopback between a client and a server (PostgreSQL) that cuts connections at
/// random points — right after forwarding what the client sent, or instead of forwarding the
/// server's reply to a COMMIT — by resetting both sides. Seeded, so a failing run can be replayed
/// (the interleaving of concurrent connections still varies; assertions must hold for any).
/// </summary>
public sealed class CuttingProxy : IAsyncDisposable
{
    private static readonly byte[] CommitTag = "COMMIT\0"u8.ToArray();
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CutPlan _plan;
    private readonly Random _random;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;
    private int _cuts;
    private int _commitReplies;
    private volatile bool _cutting = true;

    public CuttingProxy(IPEndPoint target, CutPlan plan, int seed)
    {
        _target = target;
        _plan = plan;
        _random = new Random(seed);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections cut so far.</summary>
    public int Cuts => Volatile.Read(ref _cuts);

    /// <summary>Stops cutting (connections already made go on forwarding faithfully).</summary>
    public void StopCutting() => _cutting = false;

    /// <summary>The PostgreSQL connection string pointed at this proxy.</summary>
    public static (CuttingProxy Proxy, string ConnectionString) ForPostgres(string connectionString, CutPlan plan, int seed)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var proxy = new CuttingProxy(new IPEndPoint(IPAddress.Parse(builder.Host!), builder.Port), plan, seed);
        builder.Host = "127.0.0.1";
        builder.Port = proxy.Port;
        // The proxy reads the protocol to find COMMIT replies; Citus turns TLS on in its servers.
        builder.SslMode = SslMode.Disable;
        return (proxy, builder.ConnectionString);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_gate)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(RelayAsync(client));
            }
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        using (client)
        {
            try
            {
                await server.ConnectAsync(_target, _stop.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                Reset(client);
                return;
            }

            using var pair = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var up = PumpAsync(client, server, fromClient: true, pair);
            var down = PumpAsync(server, client, fromClient: false, pair);
            await Task.WhenAny(up, down);
            await pair.CancelAsync();
            await Task.WhenAll(up, down);
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool fromClient, CancellationTokenSource pair)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, pair.Token);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                var chunk = buffer.AsMemory(0, read);
                var commitReply = !fromClient && chunk.Span.IndexOf(CommitTag) >= 0;
                var firstCommits = commitReply && _cutting && Interlocked.Increment(ref _commitReplies) <= _plan.FirstCommitReplies;
                if (!fromClient && (firstCommits || Roll(commitReply ? _plan.BeforeCommitReply : _plan.BeforeServerChunk)))
                {
                    Cut(from, to);
                    return;
                }

                await to.SendAsync(chunk, SocketFlags.None, pair.Token);
                if (fromClient && Roll(_plan.AfterClientChunk))
                {
                    Cut(from, to);
                    return;
                }
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            Reset(from);
            Reset(to);
        }
    }

    private bool Roll(double probability)
    {
        if (!_cutting || probability <= 0)
        {
            return false;
        }

        lock (_gate)
        {
            return _random.NextDouble() < probability;
        }
    }

    private void Cut(Socket a, Socket b)
    {
        Interlocked.Increment(ref _cuts);
        Reset(a);
        Reset(b);
    }

    /// <summary>Closes with a reset (no orderly shutdown), as a dropped network path looks to both ends.</summary>
    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] open;
        lock (_gate)
        {
            open = [.. _connections];
        }

        await Task.WhenAll(open);
        _stop.Dispose();
    }
}
