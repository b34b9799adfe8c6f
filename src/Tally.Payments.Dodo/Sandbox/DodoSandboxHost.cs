using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tally.Payments.Dodo.Sandbox;

/// <summary>
/// The sandbox alone on Kestrel, for <c>tally sandbox</c> and tests. Stopping it stops the server,
/// then waits for the deliveries still running.
/// </summary>
public sealed class DodoSandboxHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DodoSandboxHost(WebApplication app, DodoSandbox sandbox, Uri baseUrl)
    {
        _app = app;
        Sandbox = sandbox;
        BaseUrl = baseUrl;
    }

    /// <summary>The sandbox's state and operations (call them directly, or over HTTP at <see cref="BaseUrl"/>).</summary>
    public DodoSandbox Sandbox { get; }

    /// <summary>Where the sandbox's routes start, ending in '/': use it as <see cref="DodoOptions.BaseUrl"/>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>
    /// Starts the sandbox on <paramref name="listenUrl"/> (default: a free port on 127.0.0.1) with
    /// its routes under <paramref name="prefix"/> (default: the root).
    /// </summary>
    public static async Task<DodoSandboxHost> StartAsync(DodoSandboxOptions options, string listenUrl = "http://127.0.0.1:0",
        string prefix = "", CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(prefix);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(listenUrl);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var sandbox = new DodoSandbox(options);
        var app = builder.Build();
        app.MapDodoSandbox(prefix, sandbox);
        try
        {
            await app.StartAsync(ct);
        }
        catch
        {
            await app.DisposeAsync();
            await sandbox.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var path = prefix.Trim('/');
        return new DodoSandboxHost(app, sandbox, new Uri(address.TrimEnd('/') + "/" + (path.Length == 0 ? "" : path + "/")));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Sandbox.DisposeAsync();
    }
}
