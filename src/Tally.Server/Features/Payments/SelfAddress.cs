using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Tally.Server.Features.Payments;

/// <summary>
/// Where this server listens, known once Kestrel has bound (port 0 included): the built-in
/// sandbox calls back into the same process over loopback HTTP exactly as DodoPayments would
/// from outside — its API for checkouts, <c>/webhooks/dodo</c> for events.
/// </summary>
public sealed class SelfAddress
{
    /// <summary>The placeholder host requests to this server are addressed to before <see cref="SelfRoutingHandler"/> rewrites them.</summary>
    public static readonly Uri Placeholder = new("http://tally.self/");

    private IServer? _server;

    public void Bind(IServer server) => _server = server;

    /// <summary>The first address the server listens on, with a wildcard host made loopback.</summary>
    public Uri Resolve()
    {
        var addresses = _server?.Features.Get<IServerAddressesFeature>()?.Addresses
            ?? throw new InvalidOperationException("the server is not listening yet");
        var first = addresses.OrderBy(a => a.StartsWith("https", StringComparison.Ordinal) ? 1 : 0).FirstOrDefault()
            ?? throw new InvalidOperationException("the server has no address");
        var uri = new UriBuilder(first.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal));
        if (uri.Host is "0.0.0.0" or "[::]" or "::")
        {
            uri.Host = "127.0.0.1";
        }

        return uri.Uri;
    }
}

/// <summary>Sends requests addressed to <see cref="SelfAddress.Placeholder"/> to where this server really listens.</summary>
public sealed class SelfRoutingHandler(SelfAddress self) : DelegatingHandler(new SocketsHttpHandler())
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RequestUri is { } uri && uri.Host == SelfAddress.Placeholder.Host)
        {
            var target = self.Resolve();
            request.RequestUri = new UriBuilder(uri) { Scheme = target.Scheme, Host = target.Host, Port = target.Port }.Uri;
        }

        return base.SendAsync(request, cancellationToken);
    }
}
