using System.Net;
using System.Net.Sockets;

namespace Tally.Server.Features.Webhooks;

/// <summary>
/// The SSRF guard of outbound webhooks: an endpoint URL must be <c>https://</c> and every address
/// its host resolves to must be public — checked when the endpoint is created and again at every
/// send, on the addresses the connection actually uses (<see cref="ConnectAsync"/>), so a name
/// that resolves elsewhere later (DNS rebinding) is refused too. Redirects are never followed.
/// <c>TALLY_WEBHOOKS_ALLOW_PRIVATE_URLS=true</c> (demos, tests) allows <c>http://</c> and any address.
/// </summary>
public sealed class UrlGuard(bool allowPrivate)
{
    public bool AllowPrivate => allowPrivate;

    /// <summary>Why <paramref name="url"/> may not be an endpoint, or null when it may (resolving its host).</summary>
    public async Task<string?> CheckAsync(string url, CancellationToken ct)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || string.IsNullOrEmpty(uri.Host))
        {
            return "must be an absolute https:// URL";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "must not carry credentials";
        }

        if (allowPrivate)
        {
            return null;
        }

        if (uri.Scheme != "https")
        {
            return "must be an https:// URL";
        }

        IPAddress[] addresses;
        try
        {
            addresses = await ResolveAsync(uri.IdnHost, ct);
        }
        catch (SocketException)
        {
            return $"its host '{uri.Host}' does not resolve";
        }

        return addresses.Length == 0 ? $"its host '{uri.Host}' does not resolve"
            : addresses.FirstOrDefault(a => !IsPublic(a)) is { } blocked ? $"resolves to a non-public address ({blocked})"
            : null;
    }

    /// <summary>
    /// Opens the connection of a delivery (a <see cref="SocketsHttpHandler.ConnectCallback"/>):
    /// resolves the host, refuses when any address is not public (unless allowed), connects to
    /// the checked addresses only.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.DnsEndPoint.Host;
        var addresses = await ResolveAsync(host, ct);
        if (!allowPrivate && addresses.FirstOrDefault(a => !IsPublic(a)) is { } blocked)
        {
            throw new BlockedAddressException($"{host} resolves to a non-public address ({blocked})");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) =>
        IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);

    /// <summary>
    /// Whether <paramref name="address"/> is a public unicast address: not loopback, private
    /// (RFC 1918, ULA), link-local, carrier-grade NAT, multicast, unspecified, documentation or
    /// otherwise reserved. IPv4-mapped and NAT64 IPv6 addresses are judged by their IPv4 part.
    /// </summary>
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            return IsPublic(address.MapToIPv4());
        }

        var b = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return !(b[0] is 0 or 10 or 127 || b[0] >= 224
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 198 && b[1] is 18 or 19)
                || (b[0] == 198 && b[1] == 51 && b[2] == 100)
                || (b[0] == 203 && b[1] == 0 && b[2] == 113));
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        // 64:ff9b::/96 (NAT64) carries an IPv4 address in its last four bytes.
        if (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4..12].All(x => x == 0))
        {
            return IsPublic(new IPAddress(b[12..]));
        }

        return !(IPAddress.IPv6Loopback.Equals(address) || IPAddress.IPv6None.Equals(address)
            || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal
            || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) // 2001:db8::/32, documentation
            || (b[0] == 0x01 && b[1..8].All(x => x == 0)) // 100::/64, discard
            || b.All(x => x == 0));
    }
}

/// <summary>A delivery refused by the SSRF guard: its host resolved to a non-public address.</summary>
public sealed class BlockedAddressException(string message) : IOException(message);
