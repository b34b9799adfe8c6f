using Microsoft.Playwright;

namespace Tally.Ui.Tests;

/// <summary>
/// One headless Chromium for the whole run: Debian's own (<c>/usr/bin/chromium</c>, or
/// TALLY_CHROMIUM), never a downloaded browser; <c>--no-sandbox</c> because CI runs as root.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var executable = Environment.GetEnvironmentVariable("TALLY_CHROMIUM") ?? "/usr/bin/chromium";
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"the browser tests need Chromium at {executable} (apt-get install -y chromium, or set TALLY_CHROMIUM)");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>A real Tally for the browser tests: SQLite, the demo catalog, an admin user.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public const string AdminEmail = "ops@example.com";
    public const string AdminPassword = "correct horse battery staple";

    public TallyTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>A server with the test admin user; more settings or a fake clock as given.</summary>
    public static Task<TallyTestServer> StartAsync(FakeTimeProvider? clock = null, IDictionary<string, string>? settings = null)
    {
        var options = new TallyTestServerOptions { Clock = clock };
        options.Settings["TALLY_ADMIN_EMAIL"] = AdminEmail;
        options.Settings["TALLY_ADMIN_PASSWORD"] = AdminPassword;
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            options.Settings[name] = value;
        }

        return TallyTestServer.StartAsync(options);
    }
}

[CollectionDefinition(Name)]
public sealed class UiCollection : ICollectionFixture<BrowserFixture>, ICollectionFixture<ServerFixture>
{
    public const string Name = "ui";
}
