using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Tally.Ledger;
using Tally.Payments;
using Tally.Payments.Pricing;

namespace Tally.Server.Hosting;

/// <summary>
/// Every setting Tally reads, bound by name from any configuration source (appsettings.json,
/// environment variables, the command line as <c>--NAME=value</c>) — under the seed's names where
/// it had one (the README's "Configuration" table). <see cref="TallyOptionsValidator"/> checks them
/// all at start; a bad value stops the server or command with exit code 2 and names the setting.
/// </summary>
public sealed class TallyOptions
{
    [ConfigurationKeyName("TALLY_DATABASE")]
    public string Database { get; set; } = StoreFactory.DefaultDatabase;

    /// <summary>
    /// A streaming replica of the PostgreSQL primary (a connection string): history pages, CSV
    /// exports, analytics and the admin's lists read from it and may trail by its lag; balances and
    /// everything a caller must see right after writing stay on the primary. Not with SQLite.
    /// </summary>
    [ConfigurationKeyName("TALLY_DATABASE_READ")]
    public string? DatabaseRead { get; set; }

    /// <summary>
    /// A direct connection string to the PostgreSQL primary for the change feed's LISTEN, when
    /// TALLY_DATABASE goes through a transaction-pooling pgbouncer (which cannot keep a LISTEN). Not with SQLite.
    /// </summary>
    [ConfigurationKeyName("TALLY_DATABASE_LISTEN")]
    public string? DatabaseListen { get; set; }

    [ConfigurationKeyName("TALLY_MIGRATE_ON_START")]
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>An admin API key made to exist at start (automation, CI).</summary>
    [ConfigurationKeyName("TALLY_BOOTSTRAP_API_KEY")]
    public string? BootstrapApiKey { get; set; }

    /// <summary>An admin user made to exist at first start (with <see cref="AdminPassword"/>); `tally admin create` is the other way.</summary>
    [ConfigurationKeyName("TALLY_ADMIN_EMAIL")]
    [EmailAddress]
    public string? AdminEmail { get; set; }

    [ConfigurationKeyName("TALLY_ADMIN_PASSWORD")]
    [MinLength(Ui.Admin.AdminUsers.MinPasswordLength)]
    public string? AdminPassword { get; set; }

    [ConfigurationKeyName("TALLY_PUBLIC_URL")]
    [Url]
    public string? PublicUrl { get; set; }

    [ConfigurationKeyName("CREDIT_INITIAL_AMOUNT")]
    [Range(0, 1_000_000_000_000)]
    public long InitialAmount { get; set; } = 100;

    [ConfigurationKeyName("CREDIT_MAX_BALANCE")]
    [Range(1, 1_000_000_000_000)]
    public long MaxBalance { get; set; } = 1_000_000;

    [ConfigurationKeyName("CREDIT_MAX_PER_OPERATION")]
    [Range(1, 1_000_000_000_000)]
    public long MaxPerOperation { get; set; } = 1_000_000;

    [ConfigurationKeyName("TALLY_AUTO_CREATE_ACCOUNTS")]
    public bool AutoCreateAccounts { get; set; } = true;

    [ConfigurationKeyName("TALLY_IDEMPOTENCY_RETENTION_HOURS")]
    [Range(24, 24 * 365)]
    public int IdempotencyRetentionHours { get; set; } = 24;

    [ConfigurationKeyName("TALLY_GROUP_COMMIT")]
    public bool GroupCommit { get; set; } = true;

    /// <summary>Null: the store's own (SQLite 1, PostgreSQL 2).</summary>
    [ConfigurationKeyName("TALLY_GROUP_COMMIT_LANES")]
    [Range(1, 64)]
    public int? GroupCommitLanes { get; set; }

    [ConfigurationKeyName("TALLY_GROUP_COMMIT_MAX_BATCH")]
    [Range(1, 10_000)]
    public int GroupCommitMaxBatch { get; set; } = 128;

    /// <summary>Requests one credential may make per <see cref="KeyRateWindowMs"/>; null = unlimited.</summary>
    [ConfigurationKeyName("TALLY_RATE_LIMIT_REQUESTS")]
    [Range(1, 1_000_000)]
    public int? KeyRateLimit { get; set; }

    [ConfigurationKeyName("TALLY_RATE_LIMIT_WINDOW")]
    [Range(100, 86_400_000)]
    public long KeyRateWindowMs { get; set; } = 60_000;

    /// <summary>Deductions one account may make per <see cref="DeductionWindowMs"/>; null = unlimited.</summary>
    [ConfigurationKeyName("CREDIT_RATE_LIMIT_MAX_DEDUCTIONS")]
    [Range(1, 10_000_000)]
    public int? MaxDeductions { get; set; }

    [ConfigurationKeyName("CREDIT_RATE_LIMIT_WINDOW")]
    [Range(100, 31L * 86_400_000)]
    public long DeductionWindowMs { get; set; } = 3_600_000;

    /// <summary>How often the expiry sweeper runs; 0 turns it off.</summary>
    [ConfigurationKeyName("TALLY_SWEEP_INTERVAL_SECONDS")]
    [Range(0, 86_400)]
    public int SweepIntervalSeconds { get; set; } = 60;

    /// <summary>Analytics (docs/analytics.md): the rollup folder and the /v1/analytics endpoints.</summary>
    [ConfigurationKeyName("CREDIT_ENABLE_ANALYTICS")]
    public bool EnableAnalytics { get; set; } = true;

    /// <summary>Days per-account daily rollups are kept (platform days and per-account totals are kept forever; the journal is never deleted).</summary>
    [ConfigurationKeyName("CREDIT_ANALYTICS_RETENTION_DAYS")]
    [Range(1, 36_500)]
    public int AnalyticsRetentionDays { get; set; } = 90;

    /// <summary>How often the rollup folder runs; 0 turns it off (tests fold by hand).</summary>
    [ConfigurationKeyName("TALLY_ANALYTICS_INTERVAL_SECONDS")]
    [Range(0, 86_400)]
    public int AnalyticsIntervalSeconds { get; set; } = 30;

    /// <summary>
    /// Browser origins (comma-separated, e.g. <c>https://app.example.com</c>) allowed to call the API
    /// with a client token from another origin (CORS); none by default (serve Tally under the page's origin).
    /// </summary>
    [ConfigurationKeyName("TALLY_CORS_ORIGINS")]
    public string? CorsOrigins { get; set; }

    /// <summary>How often a live stream (SSE) sends a <c>: ping</c> comment.</summary>
    [ConfigurationKeyName("TALLY_SSE_PING_SECONDS")]
    [Range(1, 300)]
    public int SsePingSeconds { get; set; } = 15;

    /// <summary>How many journal entries a resuming stream replays; further behind, it gets a fresh snapshot.</summary>
    [ConfigurationKeyName("TALLY_SSE_REPLAY_LIMIT")]
    [Range(1, 10_000)]
    public int SseReplayLimit { get; set; } = 1000;

    /// <summary>A stream whose client takes no bytes for this long is closed (it resumes by Last-Event-ID).</summary>
    [ConfigurationKeyName("TALLY_SSE_WRITE_TIMEOUT_SECONDS")]
    [Range(1, 3600)]
    public int SseWriteTimeoutSeconds { get; set; } = 30;

    /// <summary>Streams one instance serves at most; past it a new one answers 503.</summary>
    [ConfigurationKeyName("TALLY_SSE_MAX_STREAMS")]
    [Range(0, 1_000_000)]
    public int SseMaxStreams { get; set; } = 20_000;

    [ConfigurationKeyName("TALLY_CLIENT_TOKEN_TTL_SECONDS")]
    [Range(1, 3600)]
    public int ClientTokenTtlSeconds { get; set; } = 900;

    [ConfigurationKeyName("TALLY_MAX_BODY_BYTES")]
    [Range(1024, 16 * 1024 * 1024)]
    public long MaxBodyBytes { get; set; } = 64 * 1024;

    [ConfigurationKeyName("TALLY_MAX_BATCH_BODY_BYTES")]
    [Range(1024, 64 * 1024 * 1024)]
    public long MaxBatchBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Price of one credit in major units of <see cref="Currency"/> (0.01 = one cent).</summary>
    [ConfigurationKeyName("CREDIT_BASE_PRICE")]
    public decimal BasePrice { get; set; } = PricingSettings.Default.BasePrice;

    [ConfigurationKeyName("CREDIT_CURRENCY")]
    public string Currency { get; set; } = PricingSettings.Default.Currency;

    /// <summary>Fewest credits a custom amount may buy.</summary>
    [ConfigurationKeyName("CREDIT_MIN_PURCHASE")]
    public long MinPurchase { get; set; } = PricingSettings.Default.MinPurchase;

    /// <summary>Most credits a custom amount may buy.</summary>
    [ConfigurationKeyName("CREDIT_MAX_PURCHASE")]
    public long MaxPurchase { get; set; } = PricingSettings.Default.MaxPurchase;

    /// <summary>
    /// Bulk tiers from every <c>CREDIT_BULK_DISCOUNT_&lt;credits&gt;=&lt;percent&gt;</c> setting, over
    /// the seed's defaults (500: 10, 1000: 15, 5000: 25; set one to 0 to drop it). Read by
    /// <see cref="Load"/>, not by the binder (the names carry the tier).
    /// </summary>
    public IReadOnlyList<BulkTier> BulkDiscounts { get; set; } = PricingSettings.DefaultTiers;

    public const string BulkDiscountPrefix = "CREDIT_BULK_DISCOUNT_";

    /// <summary>DodoPayments API key; unset: payments go to the built-in sandbox at <c>/sandbox/dodo</c>.</summary>
    [ConfigurationKeyName("DODO_API_KEY")]
    public string? DodoApiKey { get; set; }

    /// <summary>
    /// Without DODO_API_KEY: true runs the built-in sandbox (anyone who can open a checkout can pay
    /// it for free — for demos, tests and development); false turns selling off.
    /// </summary>
    [ConfigurationKeyName("TALLY_PAYMENTS_SANDBOX")]
    public bool PaymentsSandbox { get; set; } = true;

    [ConfigurationKeyName("DODO_ENVIRONMENT")]
    [RegularExpression("^(test_mode|live_mode)$", ErrorMessage = "DODO_ENVIRONMENT must be test_mode or live_mode")]
    public string DodoEnvironment { get; set; } = "test_mode";

    /// <summary>The webhook endpoint's secret (whsec_…); required with DODO_API_KEY, random per start in sandbox mode unless set.</summary>
    [ConfigurationKeyName("DODO_WEBHOOK_SECRET")]
    public string? DodoWebhookSecret { get; set; }

    /// <summary>Overrides the environment's API base URL (a proxy, or a sandbox running elsewhere).</summary>
    [ConfigurationKeyName("DODO_BASE_URL")]
    [Url]
    public string? DodoBaseUrl { get; set; }

    /// <summary>The pay-what-you-want product that custom credit amounts are sold as.</summary>
    [ConfigurationKeyName("DODO_CUSTOM_PRODUCT_ID")]
    public string DodoCustomProductId { get; set; } = PaymentSettings.DefaultCustomProductId;

    /// <summary>clamp (take what is left, record the rest as unrecovered) or debt (go negative).</summary>
    [ConfigurationKeyName("CREDIT_CLAWBACK_POLICY")]
    [RegularExpression("^(clamp|debt)$", ErrorMessage = "CREDIT_CLAWBACK_POLICY must be clamp or debt")]
    public string ClawbackPolicy { get; set; } = "clamp";

    [ConfigurationKeyName("CREDIT_AUTO_FREEZE_ON_DEBT")]
    public bool AutoFreezeOnDebt { get; set; }

    /// <summary>Freeze an account while a dispute of its payment is open.</summary>
    [ConfigurationKeyName("CREDIT_FREEZE_ON_DISPUTE")]
    public bool FreezeOnDispute { get; set; } = true;

    /// <summary>How often the payment reconciler asks the provider about pending payments and lapsed subscriptions; 0 turns it off.</summary>
    [ConfigurationKeyName("TALLY_RECONCILE_INTERVAL_SECONDS")]
    [Range(0, 86_400)]
    public int ReconcileIntervalSeconds { get; set; } = 600;

    /// <summary>How long a payment stays pending before the reconciler asks about it.</summary>
    [ConfigurationKeyName("TALLY_RECONCILE_PENDING_MINUTES")]
    [Range(0, 7 * 24 * 60)]
    public int ReconcilePendingMinutes { get; set; } = 30;

    /// <summary>Allow webhook endpoints at http:// URLs and private or loopback addresses (demos and tests only: it turns the SSRF guard off).</summary>
    [ConfigurationKeyName("TALLY_WEBHOOKS_ALLOW_PRIVATE_URLS")]
    public bool WebhooksAllowPrivateUrls { get; set; }

    /// <summary>How long a webhook delivery waits for the endpoint's answer before hanging up.</summary>
    [ConfigurationKeyName("TALLY_WEBHOOK_TIMEOUT_SECONDS")]
    [Range(1, 60)]
    public int WebhookTimeoutSeconds { get; set; } = 10;

    /// <summary>How often the outbox relay and the delivery worker look for work when nothing woke them.</summary>
    [ConfigurationKeyName("TALLY_WEBHOOK_POLL_MS")]
    [Range(10, 60_000)]
    public int WebhookPollMs { get; set; } = 250;

    /// <summary>How long a failing delivery is retried (from its first attempt).</summary>
    [ConfigurationKeyName("TALLY_WEBHOOK_RETRY_HOURS")]
    [Range(1, 720)]
    public int WebhookRetryHours { get; set; } = 72;

    /// <summary>Deliveries one instance sends at once.</summary>
    [ConfigurationKeyName("TALLY_WEBHOOK_CONCURRENCY")]
    [Range(1, 256)]
    public int WebhookConcurrency { get; set; } = 32;

    /// <summary>Run the outbox relay and the delivery worker on this instance (every instance may; they share the work).</summary>
    [ConfigurationKeyName("TALLY_WEBHOOK_WORKERS")]
    public bool WebhookWorkers { get; set; } = true;

    /// <summary>credit.balance_low fires when a balance falls below this (whole units), for accounts without their own lowBalanceThreshold.</summary>
    [ConfigurationKeyName("CREDIT_LOW_BALANCE_THRESHOLD")]
    [Range(0, 1_000_000_000_000)]
    public long LowBalanceThreshold { get; set; } = 10;

    /// <summary>Run the fraud detector (docs/fraud.md): flags accounts off the charge path.</summary>
    [ConfigurationKeyName("CREDIT_ENABLE_FRAUD_DETECTION")]
    public bool FraudDetection { get; set; }

    /// <summary>Whole credits (of any one unit) consumed within CREDIT_RATE_LIMIT_WINDOW above which an account is flagged.</summary>
    [ConfigurationKeyName("CREDIT_SUSPICIOUS_THRESHOLD")]
    [Range(1, 1_000_000_000_000)]
    public long SuspiciousThreshold { get; set; } = 1000;

    /// <summary>Freeze a flagged account (through the ledger's freeze, actor system:fraud).</summary>
    [ConfigurationKeyName("CREDIT_AUTO_FREEZE_SUSPICIOUS")]
    public bool AutoFreezeSuspicious { get; set; }

    /// <summary>Failed payments within 24 hours that flag an account.</summary>
    [ConfigurationKeyName("CREDIT_SUSPICIOUS_FAILED_PAYMENTS")]
    [Range(1, 1000)]
    public int SuspiciousFailedPayments { get; set; } = 3;

    /// <summary>Refunds within 30 days that flag an account (a dispute always flags).</summary>
    [ConfigurationKeyName("CREDIT_SUSPICIOUS_REFUNDS")]
    [Range(1, 1000)]
    public int SuspiciousRefunds { get; set; } = 2;

    /// <summary>Shortest time between two passes of the fraud detector over the accounts that changed.</summary>
    [ConfigurationKeyName("TALLY_FRAUD_SCAN_MS")]
    [Range(10, 3_600_000)]
    public int FraudScanMs { get; set; } = 5000;

    /// <summary>How often the fraud detector looks at payments (failed payments, refunds, disputes).</summary>
    [ConfigurationKeyName("TALLY_FRAUD_PAYMENT_SCAN_SECONDS")]
    [Range(1, 86_400)]
    public int FraudPaymentScanSeconds { get; set; } = 60;

    /// <summary>Outbound webhooks' settings.</summary>
    public Features.Webhooks.WebhookSettings Webhooks => new(
        WebhooksAllowPrivateUrls,
        TimeSpan.FromSeconds(WebhookTimeoutSeconds),
        TimeSpan.FromMilliseconds(WebhookPollMs),
        new Tally.Ledger.Webhooks.RetrySchedule(TimeSpan.FromSeconds(30), TimeSpan.FromHours(12), TimeSpan.FromHours(WebhookRetryHours)),
        WebhookConcurrency,
        WebhookWorkers,
        LowBalanceThreshold);

    /// <summary>Pricing rules (the <c>Rules</c> array; docs/rules.md), validated at start as <c>Rules:3:percent</c>.</summary>
    [ConfigurationKeyName("Rules")]
    public List<Tally.Ledger.Rules.RuleDefinition> Rules { get; set; } = [];

    /// <summary>The fraud detector's settings.</summary>
    public Features.Fraud.FraudSettings Fraud => new(
        FraudDetection,
        SuspiciousThreshold,
        DeductionWindow,
        AutoFreezeSuspicious,
        SuspiciousFailedPayments,
        SuspiciousRefunds,
        TimeSpan.FromMilliseconds(FraudScanMs),
        TimeSpan.FromSeconds(FraudPaymentScanSeconds));

    /// <summary>How payments become credits.</summary>
    public PaymentSettings Payments => new(
        Pricing,
        ClawbackPolicy == "debt" ? Tally.Ledger.Commands.ClawbackPolicy.Debt : Tally.Ledger.Commands.ClawbackPolicy.Clamp,
        AutoFreezeOnDebt,
        FreezeOnDispute,
        DodoCustomProductId);

    /// <summary>How credits are priced.</summary>
    public PricingSettings Pricing => new(BasePrice, Currency, BulkDiscounts, MinPurchase, MaxPurchase);

    public TimeSpan KeyRateWindow => TimeSpan.FromMilliseconds(KeyRateWindowMs);

    public TimeSpan DeductionWindow => TimeSpan.FromMilliseconds(DeductionWindowMs);

    public TimeSpan SweepInterval => TimeSpan.FromSeconds(SweepIntervalSeconds);

    /// <summary><see cref="CorsOrigins"/> as a list.</summary>
    public IReadOnlyList<string> CorsOriginList =>
        (CorsOrigins ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public TimeSpan ClientTokenDefaultTtl => TimeSpan.FromSeconds(ClientTokenTtlSeconds);

    /// <summary>The ledger's part.</summary>
    public LedgerOptions Ledger => new()
    {
        InitialAmount = InitialAmount,
        MaxBalance = MaxBalance,
        MaxPerOperation = MaxPerOperation,
        AutoCreateAccounts = AutoCreateAccounts,
        IdempotencyRetention = TimeSpan.FromHours(IdempotencyRetentionHours),
        GroupCommit = GroupCommit,
        GroupCommitLanes = GroupCommitLanes,
        GroupCommitMaxBatch = GroupCommitMaxBatch,
        Rules = Rules.Count == 0 ? Tally.Ledger.Rules.RuleSet.Empty : new Tally.Ledger.Rules.RuleSet(Rules, []),
    };

    /// <summary>
    /// Binds and validates now, for callers that need the values before a host runs (the CLI, and
    /// <c>AddTally</c>, which decides what to register by them). Throws <see cref="SettingsException"/>
    /// naming the first bad setting.
    /// </summary>
    public static TallyOptions Load(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new TallyOptions();
        try
        {
            configuration.Bind(options);
        }
        catch (InvalidOperationException e)
        {
            // "Failed to convert configuration value at 'CREDIT_MAX_BALANCE' to type 'System.Int64'."
            throw new SettingsException(e.Message, e);
        }

        options.BulkDiscounts = ReadBulkDiscounts(configuration);
        if (new TallyOptionsValidator().Validate(null, options) is { Failed: true } failed)
        {
            throw new SettingsException(failed.Failures.First());
        }

        return options;
    }

    private static List<BulkTier> ReadBulkDiscounts(IConfiguration configuration)
    {
        var tiers = PricingSettings.DefaultTiers.ToDictionary(t => t.Credits, t => t.Percent);
        foreach (var setting in configuration.GetChildren().Where(c => c.Key.StartsWith(BulkDiscountPrefix, StringComparison.OrdinalIgnoreCase)))
        {
            if (!long.TryParse(setting.Key[BulkDiscountPrefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var credits) || credits < 1)
            {
                throw new SettingsException($"{setting.Key}: the name must end in a whole number of credits, e.g. {BulkDiscountPrefix}1000=15");
            }

            if (!decimal.TryParse(setting.Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var percent))
            {
                throw new SettingsException($"{setting.Key} must be a percentage, e.g. 15 or 12.5");
            }

            tiers[credits] = percent;
        }

        return tiers.Where(t => t.Value > 0).OrderBy(t => t.Key).Select(t => new BulkTier(t.Key, t.Value)).ToList();
    }
}
