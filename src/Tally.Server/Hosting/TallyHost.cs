using Tally.Server.Demo;

namespace Tally.Server.Hosting;

/// <summary>
/// The standalone server: <c>tally serve</c> and <c>dotnet run --project src/Tally.Server</c> both
/// come here. Listens on --urls / ASPNETCORE_URLS, default http://127.0.0.1:5080; <c>--demo</c>
/// seeds demo data. A bad setting prints its name and exits 2.
/// </summary>
public static class TallyHost
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <param name="args">Command-line arguments (settings as --NAME=value).</param>
    /// <param name="services">Registrations made before Tally's own (tests put a fake <see cref="TimeProvider"/> here).</param>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? services = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var demo = args.Contains("--demo", StringComparer.Ordinal);
        // appsettings.json ships beside the binaries, so it applies wherever the server is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args.Where(a => a != "--demo").ToArray(),
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]) && string.IsNullOrEmpty(builder.Configuration["https_ports"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.Logging.ClearProviders();
        if (builder.Environment.IsDevelopment() || demo)
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        }
        else
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
            });
        }

        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 64L * 1024 * 1024);
        services?.Invoke(builder.Services);
        builder.Services.AddTally(builder.Configuration, demo);
        var app = builder.Build();
        app.UseTally();
        app.MapTally();
        return app;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        WebApplication app;
        try
        {
            app = Build(args);
        }
        catch (SettingsException e)
        {
            await Console.Error.WriteLineAsync($"tally: invalid setting: {e.Message}");
            return 2;
        }

        await using (app)
        {
            try
            {
                await app.StartAsync();
            }
            catch (SettingsException e)
            {
                // Found while starting: a connection Tally cannot work through (TallyStartup).
                await Console.Error.WriteLineAsync($"tally: invalid setting: {e.Message}");
                return 2;
            }

            var demo = app.Services.GetRequiredService<DemoMode>();
            if (demo.Key is { } key)
            {
                Console.WriteLine(DemoSeeder.Banner(key, app.Urls.FirstOrDefault() ?? DefaultUrl, demo.AdminPassword));
            }

            await app.WaitForShutdownAsync();
        }

        return 0;
    }
}
