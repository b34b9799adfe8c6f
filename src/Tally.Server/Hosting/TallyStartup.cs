using Tally.Access;
using Microsoft.Extensions.Options;
using Tally.Ledger;
using Tally.Ledger.Storage;
using Tally.Server.Auth;
using Tally.Server.Demo;

namespace Tally.Server.Hosting;

/// <summary>Whether <c>--demo</c> was given: seed demo data and print a demo API key.</summary>
public sealed class DemoMode(bool enabled)
{
    public bool Enabled { get; } = enabled;

    /// <summary>The demo API key made at start, for the banner.</summary>
    public string? Key { get; set; }

    /// <summary>The demo admin's password, new at each start, for the banner.</summary>
    public string? AdminPassword { get; set; }
}

/// <summary>
/// Runs before the server accepts requests: migrations (unless TALLY_MIGRATE_ON_START=false), the
/// bootstrap API key (TALLY_BOOTSTRAP_API_KEY), a client-token signing key, and the demo data.
/// A failure here stops the host, so a misconfigured server never starts half-working.
/// </summary>
public sealed partial class TallyStartup(
    ILedgerStore store,
    IAccessStore access,
    Tally.Payments.IPaymentStore payments,
    Ui.Admin.AdminUsers admins,
    CreditLedger ledger,
    ClientTokens tokens,
    IOptions<TallyOptions> options,
    DemoMode demo,
    Features.Payments.PaymentMode paymentMode,
    TimeProvider time,
    ILogger<TallyStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (store is Tally.Ledger.Postgres.PostgresLedgerStore postgres)
        {
            await CheckConnectionsAsync(postgres, cancellationToken);
        }

        if (settings.MigrateOnStart)
        {
            var applied = await store.MigrateAsync(cancellationToken);
            var target = StoreFactory.Describe(store);
            Migrated(logger, target, applied);
        }

        if (settings.BootstrapApiKey is { } secret && await access.FindApiKeyAsync(ApiKeys.Hash(secret), cancellationToken) is null)
        {
            await access.CreateApiKeyAsync(ApiKeys.RecordFor(secret, "bootstrap", [Scopes.Admin], time.GetUtcNow()), cancellationToken);
            BootstrapKeyCreated(logger);
        }

        if (settings.AdminEmail is { } email && settings.AdminPassword is { } password && await admins.CreateAsync(email, password, cancellationToken))
        {
            BootstrapAdminCreated(logger, email);
        }

        if ((await access.ReadSigningKeysAsync(cancellationToken)).Count == 0)
        {
            await tokens.RotateAsync(cancellationToken);
        }

        if (paymentMode.Sandbox)
        {
            SandboxMode(logger, Features.Payments.PaymentMode.SandboxPrefix);
        }

        if (demo.Enabled)
        {
            demo.Key = await DemoSeeder.SeedAsync(ledger, access, payments, time, cancellationToken);
            demo.AdminPassword = System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
            if (!await admins.CreateAsync(DemoSeeder.AdminEmail, demo.AdminPassword, cancellationToken))
            {
                await admins.SetPasswordAsync(DemoSeeder.AdminEmail, demo.AdminPassword, cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Stops the start when a connection cannot work: pgbouncer in front without the settings it
    /// needs (docs/operations.md, "pgbouncer"), or a read replica that does not answer.
    /// </summary>
    private static async Task CheckConnectionsAsync(Tally.Ledger.Postgres.PostgresLedgerStore store, CancellationToken cancellationToken)
    {
        var problems = await store.CheckConnectionsAsync(cancellationToken);
        if (problems.Count > 0)
        {
            throw new SettingsException(string.Join("; ", problems.Select(p => $"{SettingOf(p.Role)} {p.Problem} (docs/operations.md, \"Read replica\" and \"pgbouncer\")")));
        }
    }

    private static string SettingOf(Tally.Ledger.Postgres.PgConnectionRole role) => role switch
    {
        Tally.Ledger.Postgres.PgConnectionRole.Primary => StoreFactory.Setting,
        Tally.Ledger.Postgres.PgConnectionRole.Read => StoreFactory.ReadSetting,
        _ => StoreFactory.ListenSetting,
    };

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Ledger store {Store}: {Applied} migration(s) applied")]
    private static partial void Migrated(ILogger logger, string store, int applied);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "DODO_API_KEY is not set: payments go to the built-in DodoPayments sandbox at {Prefix} (hosted checkout pages; webhooks signed and sent to /webhooks/dodo) — anyone who can open a checkout can pay it for free. Set DODO_API_KEY and DODO_WEBHOOK_SECRET to sell for real, or TALLY_PAYMENTS_SANDBOX=false to turn selling off.")]
    private static partial void SandboxMode(ILogger logger, string prefix);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "Created the admin user {Email} from TALLY_ADMIN_EMAIL and TALLY_ADMIN_PASSWORD")]
    private static partial void BootstrapAdminCreated(ILogger logger, string email);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Created the bootstrap API key (admin scope) from TALLY_BOOTSTRAP_API_KEY")]
    private static partial void BootstrapKeyCreated(ILogger logger);
}
