namespace Tally.Cli.Import;

/// <summary>The seed's table and column names (docs/import.md lists them with the DDL the importer expects).</summary>
internal static class SeedTables
{
    /// <summary>Balances: the README's name first, then CREDIT_SYSTEM.md's DDL name.</summary>
    public static readonly string[] Balances = ["user_credits", "credits"];

    public const string Transactions = "credit_transactions";

    public const string Packages = "credit_packages";

    public const string Subscriptions = "subscription_credits";

    /// <summary>The Dodo payment table, when the app kept one.</summary>
    public static readonly string[] Payments = ["dodo_payments", "payments"];
}

/// <summary>One user's balance row (<c>user_credits</c>).</summary>
internal sealed record SeedBalance(string RowId, string UserId, long Balance, DateTimeOffset? UpdatedAt, long Line);

/// <summary>One <c>credit_transactions</c> row: positive adds, negative deducts.</summary>
internal sealed record SeedTransaction(string Id, string UserId, long Amount, string Type, string? Description, string? ReferenceId, DateTimeOffset? CreatedAt, long Line);

/// <summary>One <c>credit_packages</c> row, its price in minor units of its currency.</summary>
internal sealed record SeedPackage(string Id, string Name, long Credits, long BonusCredits, long PriceMinor, string Currency, bool Active, int SortOrder, string? ProductId);

/// <summary>One <c>subscription_credits</c> row: this period's allocation, what was used of it, and when the period ends.</summary>
internal sealed record SeedSubscription(string Id, string UserId, string? Plan, string Status, long CreditsPerPeriod, long CreditsUsed, DateTimeOffset? PeriodEnd);

/// <summary>One Dodo payment row, its amount in minor units of its currency.</summary>
internal sealed record SeedPayment(string Id, string UserId, string ProviderPaymentId, long AmountMinor, string Currency, long Credits, string Status, string? PackageId, DateTimeOffset CreatedAt);

/// <summary>Something wrong in the seed's data, reported (never a crash): what, where, and what the importer did about it.</summary>
internal sealed record ImportProblem(string Kind, string Table, string Row, string? Account, string Detail);

/// <summary>The kinds of <see cref="ImportProblem"/>, as the report names them.</summary>
internal static class ProblemKinds
{
    public const string InvalidRow = "invalid row (skipped)";
    public const string DuplicateRow = "duplicate row id (later copy skipped)";
    public const string DuplicateBalance = "several balance rows for one user (newest kept)";
    public const string BalanceMismatch = "transactions do not add up to the balance (balance trusted)";
    public const string NegativeBalance = "negative balance (imported as debt)";
    public const string NoBalanceRow = "transactions but no balance row (their sum trusted)";
    public const string DuplicatePurchase = "purchase logged twice for one payment reference";
    public const string UnknownType = "unknown transaction type (classified by its sign)";
    public const string SubscriptionUnknownUser = "subscription of a user with no balance or transactions (skipped)";
    public const string SubscriptionOverused = "subscription used more than its allocation";
    public const string SubscriptionEnded = "subscription period over or inactive (its credits kept without expiry)";
    public const string PaymentUnknownUser = "payment of a user with no balance or transactions (recorded anyway)";
    public const string PaymentNotImported = "payment not imported";
    public const string PackageExists = "package id exists in Tally already (left as it is)";
    public const string Refused = "refused by the ledger";
    public const string ChangedSinceImport = "changed since it was imported (left as first imported)";
    public const string BalanceDiffers = "Tally balance differs from the seed after import";
}
