using System.Globalization;
using Tally.Ledger;

namespace Tally.Server.Hosting;

/// <summary>A configuration value that cannot be used. The message names the setting.</summary>
public sealed class SettingsException : Exception
{
    public SettingsException()
    {
    }

    public SettingsException(string message)
        : base(message)
    {
    }

    public SettingsException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// Every setting Tally reads, under the seed's names where it had one (README, "Configuration"), from any
/// configuration source (appsettings.json, environment variables, command line). Read once at
/// start; <see cref="Load"/> throws <see cref="SettingsException"/> naming the first bad value.
/// </summary>
public sealed class TallySettings
{
    public string Database { get; init; } = StoreFactory.DefaultDatabase;
    public bool MigrateOnStart { get; init; } = true;
    public string? BootstrapApiKey { get; init; }
    public string? PublicUrl { get; init; }
    public required LedgerOptions Ledger { get; init; }

    /// <summary>Requests one API key may make per <see cref="KeyRateWindow"/>; null = unlimited.</summary>
    public int? KeyRateLimit { get; init; }
    public TimeSpan KeyRateWindow { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Deductions (charges, holds) one account may make per <see cref="DeductionWindow"/>; null = unlimited.</summary>
    public int? MaxDeductions { get; init; }
    public TimeSpan DeductionWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How often the expiry sweeper runs; zero turns it off.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan ClientTokenDefaultTtl { get; init; } = TimeSpan.FromMinutes(15);
    public long MaxBodyBytes { get; init; } = 64 * 1024;
    public long MaxBatchBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>Seed settings the ledger does not use yet (pricing, fraud, analytics), validated now so a typo fails early.</summary>
    public required SeedSettings Seed { get; init; }

    public static TallySettings Load(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var read = new Reader(configuration);
        var ledger = new LedgerOptions
        {
            InitialAmount = read.Long("CREDIT_INITIAL_AMOUNT", 100, 0, 1_000_000_000_000),
            MaxBalance = read.Long("CREDIT_MAX_BALANCE", 1_000_000, 1, 1_000_000_000_000),
            MaxPerOperation = read.Long("CREDIT_MAX_PER_OPERATION", 1_000_000, 1, 1_000_000_000_000),
            AutoCreateAccounts = read.Bool("TALLY_AUTO_CREATE_ACCOUNTS", true),
            IdempotencyRetention = TimeSpan.FromHours(read.Long("TALLY_IDEMPOTENCY_RETENTION_HOURS", 24, 24, 24 * 365)),
            GroupCommit = read.Bool("TALLY_GROUP_COMMIT", true),
            GroupCommitLanes = read.OptionalInt("TALLY_GROUP_COMMIT_LANES", 1, 64),
            GroupCommitMaxBatch = (int)read.Long("TALLY_GROUP_COMMIT_MAX_BATCH", 128, 1, 10_000),
        };
        if (ledger.Validate() is { } invalid)
        {
            throw new SettingsException($"{invalid.Setting} {invalid.Problem}");
        }

        var bootstrap = read.String("TALLY_BOOTSTRAP_API_KEY");
        if (bootstrap is not null && !Auth.ApiKeys.IsWellFormed(bootstrap))
        {
            throw new SettingsException("TALLY_BOOTSTRAP_API_KEY must be tally_sk_ followed by at least 32 URL-safe characters (A–Z, a–z, 0–9, - and _)");
        }

        var database = read.String("TALLY_DATABASE") ?? StoreFactory.DefaultDatabase;
        StoreFactory.Validate(database);
        var publicUrl = read.String("TALLY_PUBLIC_URL");
        if (publicUrl is not null && !Uri.TryCreate(publicUrl, UriKind.Absolute, out _))
        {
            throw new SettingsException("TALLY_PUBLIC_URL must be an absolute URL such as https://credits.example.com");
        }

        return new TallySettings
        {
            Database = database,
            MigrateOnStart = read.Bool("TALLY_MIGRATE_ON_START", true),
            BootstrapApiKey = bootstrap,
            PublicUrl = publicUrl,
            Ledger = ledger,
            KeyRateLimit = read.OptionalInt("TALLY_RATE_LIMIT_REQUESTS", 1, 1_000_000),
            KeyRateWindow = TimeSpan.FromMilliseconds(read.Long("TALLY_RATE_LIMIT_WINDOW", 60_000, 100, 86_400_000)),
            MaxDeductions = read.OptionalInt("CREDIT_RATE_LIMIT_MAX_DEDUCTIONS", 1, 10_000_000),
            DeductionWindow = TimeSpan.FromMilliseconds(read.Long("CREDIT_RATE_LIMIT_WINDOW", 3_600_000, 100, 31L * 86_400_000)),
            SweepInterval = TimeSpan.FromSeconds(read.Long("TALLY_SWEEP_INTERVAL_SECONDS", 60, 0, 86_400)),
            ClientTokenDefaultTtl = TimeSpan.FromSeconds(read.Long("TALLY_CLIENT_TOKEN_TTL_SECONDS", 900, 1, 3600)),
            MaxBodyBytes = read.Long("TALLY_MAX_BODY_BYTES", 64 * 1024, 1024, 16 * 1024 * 1024),
            MaxBatchBodyBytes = read.Long("TALLY_MAX_BATCH_BODY_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024),
            Seed = SeedSettings.Load(read),
        };
    }

    /// <summary>Typed reads of flat settings that fail with the setting's name.</summary>
    internal sealed class Reader(IConfiguration configuration)
    {
        public IConfiguration Configuration => configuration;

        public string? String(string name) => configuration[name] is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

        public long Long(string name, long fallback, long min, long max)
        {
            if (String(name) is not { } text)
            {
                return fallback;
            }

            if (!long.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var value))
            {
                throw new SettingsException($"{name} must be a whole number, not '{text}'");
            }

            return value < min || value > max
                ? throw new SettingsException($"{name} must be between {min} and {max}, not {value}")
                : value;
        }

        public int? OptionalInt(string name, int min, int max) =>
            String(name) is null ? null : (int)Long(name, 0, min, max);

        public decimal Decimal(string name, decimal fallback, decimal min, decimal max)
        {
            if (String(name) is not { } text)
            {
                return fallback;
            }

            if (!decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var value))
            {
                throw new SettingsException($"{name} must be a number, not '{text}'");
            }

            return value < min || value > max
                ? throw new SettingsException($"{name} must be between {min} and {max}, not {value}")
                : value;
        }

        public bool Bool(string name, bool fallback)
        {
            if (String(name) is not { } text)
            {
                return fallback;
            }

            return text.ToLowerInvariant() switch
            {
                "true" or "1" or "yes" or "on" => true,
                "false" or "0" or "no" or "off" => false,
                _ => throw new SettingsException($"{name} must be true or false, not '{text}'"),
            };
        }
    }
}

/// <summary>The seed's pricing, fraud and analytics settings (README, "Configuration").</summary>
public sealed record SeedSettings(
    long MinPurchase,
    long MaxPurchase,
    decimal BasePrice,
    IReadOnlyDictionary<long, decimal> BulkDiscounts,
    bool FraudDetection,
    long SuspiciousThreshold,
    bool AutoFreezeSuspicious,
    bool Analytics,
    int AnalyticsRetentionDays)
{
    internal static SeedSettings Load(TallySettings.Reader read)
    {
        var min = read.Long("CREDIT_MIN_PURCHASE", 10, 1, 1_000_000_000);
        var max = read.Long("CREDIT_MAX_PURCHASE", 10_000, 1, 1_000_000_000);
        if (max < min)
        {
            throw new SettingsException($"CREDIT_MAX_PURCHASE ({max}) must not be below CREDIT_MIN_PURCHASE ({min})");
        }

        var discounts = new SortedDictionary<long, decimal>();
        foreach (var entry in read.Configuration.AsEnumerable())
        {
            const string Prefix = "CREDIT_BULK_DISCOUNT_";
            if (!entry.Key.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) || entry.Value is null)
            {
                continue;
            }

            if (!long.TryParse(entry.Key[Prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var credits) || credits <= 0)
            {
                throw new SettingsException($"{entry.Key}: the part after {Prefix} must be a credit count, e.g. {Prefix}1000=10");
            }

            discounts[credits] = read.Decimal(entry.Key, 0, 0, 100);
        }

        return new SeedSettings(
            min,
            max,
            read.Decimal("CREDIT_BASE_PRICE", 0.01m, 0.000001m, 1_000_000m),
            discounts,
            read.Bool("CREDIT_ENABLE_FRAUD_DETECTION", false),
            read.Long("CREDIT_SUSPICIOUS_THRESHOLD", 1000, 1, 1_000_000_000_000),
            read.Bool("CREDIT_AUTO_FREEZE_SUSPICIOUS", false),
            read.Bool("CREDIT_ENABLE_ANALYTICS", true),
            (int)read.Long("CREDIT_ANALYTICS_RETENTION_DAYS", 90, 1, 3650));
    }
}
