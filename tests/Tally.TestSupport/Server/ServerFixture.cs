using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Tally.Ledger;
using Tally.Server.Hosting;
using Tally.TestSupport.Postgres;
using Xunit;
using Tally.Access;

namespace Tally.TestSupport.Server;

/// <summary>
/// A real Tally server on a loopback port (Kestrel, as in production), over a store of its own,
/// with an admin bootstrap key. Settings go in as command-line configuration, exactly as an
/// operator would give them.
/// </summary>
public abstract class ServerFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public string AdminKey { get; } = "tally_sk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));

    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    public CreditLedger Ledger => (CreditLedger)Services.GetService(typeof(CreditLedger))!;

    public IAccessStore Access => (IAccessStore)Services.GetService(typeof(IAccessStore))!;

    protected abstract Task<string> DatabaseAsync();

    /// <summary>Extra settings (e.g. rate limits) for a fixture.</summary>
    protected virtual IEnumerable<string> Settings() => [];

    /// <summary>Registrations made before Tally's (e.g. a fake clock).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public async Task InitializeAsync()
    {
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            $"--TALLY_DATABASE={await DatabaseAsync()}",
            $"--TALLY_BOOTSTRAP_API_KEY={AdminKey}",
            "--TALLY_SWEEP_INTERVAL_SECONDS=0",
            "--TALLY_ANALYTICS_INTERVAL_SECONDS=0",
            // The reconciler runs when a test asks (POST /v1/payments/reconcile), about any pending payment.
            "--TALLY_RECONCILE_INTERVAL_SECONDS=0",
            "--TALLY_RECONCILE_PENDING_MINUTES=0",
            "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
            "--Logging:LogLevel:Microsoft.AspNetCore=Error",
            .. Settings(),
        ];
        _app = TallyHost.Build(args, ConfigureServices);
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.First());
    }

    /// <summary>A client authenticated with <paramref name="key"/> (the admin key by default; null for none).</summary>
    public HttpClient Client(string? key = "")
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var credential = key == "" ? AdminKey : key;
        if (credential is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        }

        return client;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

public sealed class SqliteServerFixture : ServerFixture
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tally-server-").FullName;

    protected override Task<string> DatabaseAsync() => Task.FromResult($"sqlite:{Path.Combine(_directory, "tally.db")}");
}

public sealed class PostgresServerFixture : ServerFixture
{
    protected override async Task<string> DatabaseAsync() => await (await PgServer.SharedAsync()).CreateDatabaseAsync("server");
}

/// <summary>A server with rate limits on, for the 429 tests.</summary>
public sealed class RateLimitedServerFixture : ServerFixture
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tally-server-rl-").FullName;

    protected override Task<string> DatabaseAsync() => Task.FromResult($"sqlite:{Path.Combine(_directory, "tally.db")}");

    protected override IEnumerable<string> Settings() =>
        ["--CREDIT_RATE_LIMIT_MAX_DEDUCTIONS=3", "--CREDIT_RATE_LIMIT_WINDOW=60000", "--TALLY_RATE_LIMIT_REQUESTS=40", "--TALLY_RATE_LIMIT_WINDOW=60000"];
}

/// <summary>A server whose clock only moves when a test advances it.</summary>
public interface IClockedServer
{
    FakeTimeProvider Clock { get; }
}

/// <summary>A server whose clock only moves when a test advances it (<see cref="Clock"/>), for expiry without sleeping.</summary>
public sealed class FakeClockServerFixture : ServerFixture, IClockedServer
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tally-server-clock-").FullName;

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override Task<string> DatabaseAsync() => Task.FromResult($"sqlite:{Path.Combine(_directory, "tally.db")}");

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}

/// <summary><see cref="FakeClockServerFixture"/> on PostgreSQL.</summary>
public sealed class PostgresFakeClockServerFixture : ServerFixture, IClockedServer
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override async Task<string> DatabaseAsync() => await (await PgServer.SharedAsync()).CreateDatabaseAsync("server_clock");

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}

/// <summary>A server whose refunds and lost disputes drive a balance into debt and freeze it (CREDIT_CLAWBACK_POLICY=debt).</summary>
public sealed class DebtPolicyServerFixture : ServerFixture
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tally-server-debt-").FullName;

    protected override Task<string> DatabaseAsync() => Task.FromResult($"sqlite:{Path.Combine(_directory, "tally.db")}");

    protected override IEnumerable<string> Settings() => ["--CREDIT_CLAWBACK_POLICY=debt", "--CREDIT_AUTO_FREEZE_ON_DEBT=true"];
}

/// <summary>Selling off: no DODO_API_KEY and TALLY_PAYMENTS_SANDBOX=false.</summary>
public sealed class PaymentsOffServerFixture : ServerFixture
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tally-server-nopay-").FullName;

    protected override Task<string> DatabaseAsync() => Task.FromResult($"sqlite:{Path.Combine(_directory, "tally.db")}");

    protected override IEnumerable<string> Settings() => ["--TALLY_PAYMENTS_SANDBOX=false"];
}

/// <summary>A server over a database someone else made (one of a pair, a private cluster), recording the errors it logs.</summary>
public sealed class SharedDatabaseServerFixture(string database, IEnumerable<string>? settings = null) : ServerFixture
{
    public ErrorLog Log { get; } = new();

    protected override Task<string> DatabaseAsync() => Task.FromResult(database);

    protected override IEnumerable<string> Settings() => settings ?? [];

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<ILoggerProvider>(Log);
}

/// <summary>Two Tally instances over one PostgreSQL database, as behind a load balancer.</summary>
public sealed class PostgresPairFixture : IAsyncLifetime
{
    public ServerFixture A { get; private set; } = null!;

    public ServerFixture B { get; private set; } = null!;

    /// <summary>The shared database's connection string.</summary>
    public string Database { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await (await PgServer.SharedAsync()).CreateDatabaseAsync("pair");
        A = new SharedDatabaseServerFixture(Database);
        await A.InitializeAsync();
        B = new SharedDatabaseServerFixture(Database);
        await B.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
    }
}
