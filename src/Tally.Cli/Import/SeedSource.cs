namespace Tally.Cli.Import;

/// <summary>
/// One row of a seed table as text by lower-case column name (NULL is null), whatever it was read
/// from: PostgreSQL values are rendered invariantly, CSV fields are taken as written.
/// </summary>
internal sealed class SeedRow(IReadOnlyDictionary<string, string?> values, long line)
{
    /// <summary>Where the row came from: its 1-based position in its table (CSV: its record number).</summary>
    public long Line { get; } = line;

    /// <summary>The first of <paramref name="names"/> the row has, trimmed; null when none or empty.</summary>
    public string? Get(params string[] names)
    {
        foreach (var name in names)
        {
            if (values.TryGetValue(name, out var value))
            {
                return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
            }
        }

        return null;
    }

    public bool Has(string name) => values.ContainsKey(name);
}

/// <summary>Where the seed's tables are read from: a Supabase (PostgreSQL) database or a directory of CSV files.</summary>
internal interface ISeedSource : IAsyncDisposable
{
    /// <summary>A short description for the report ("postgres db@host", "csv /dir").</summary>
    string Describe { get; }

    /// <summary>Whether the table exists (a CSV file <c>&lt;table&gt;.csv</c>).</summary>
    Task<bool> HasTableAsync(string table, CancellationToken ct);

    /// <summary>Every row of the table, in the order stored.</summary>
    IAsyncEnumerable<SeedRow> ReadAsync(string table, CancellationToken ct);
}
