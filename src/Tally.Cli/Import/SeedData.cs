namespace Tally.Cli.Import;

/// <summary>Everything read from the seed, cleaned: rows that could not be used are in <see cref="Problems"/>.</summary>
internal sealed class SeedData
{
    public string BalanceTable { get; set; } = SeedTables.Balances[0];

    public string? PaymentTable { get; set; }

    /// <summary>One balance per user (the newest when the seed had several).</summary>
    public Dictionary<string, SeedBalance> Balances { get; } = new(StringComparer.Ordinal);

    /// <summary>Each user's transactions, oldest first (rows without a time keep their table order, after dated ones).</summary>
    public Dictionary<string, List<SeedTransaction>> Transactions { get; } = new(StringComparer.Ordinal);

    public List<SeedPackage> Packages { get; } = [];

    public Dictionary<string, List<SeedSubscription>> Subscriptions { get; } = new(StringComparer.Ordinal);

    public List<SeedPayment> Payments { get; } = [];

    public List<ImportProblem> Problems { get; } = [];

    /// <summary>Rows read per table (before cleaning).</summary>
    public Dictionary<string, long> RowsRead { get; } = new(StringComparer.Ordinal);

    /// <summary>Transactions by type (lower case): how many and their sum.</summary>
    public SortedDictionary<string, (long Count, long Sum)> ByType { get; } = new(StringComparer.Ordinal);

    /// <summary>Every user the import makes an account for: those with a balance row or transactions, sorted.</summary>
    public IReadOnlyList<string> Users() =>
        [.. Balances.Keys.Union(Transactions.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    public void Problem(string kind, string table, string row, string? account, string detail) =>
        Problems.Add(new ImportProblem(kind, table, row, account, detail));
}
