using System.Data.Common;
using Tally.Ledger.Verification;

namespace Tally.Ledger.Relational;

/// <summary>
/// The invariant queries (<c>Invariants.sql</c>), one definition both stores run as written. Each
/// returns the violations it finds as rows of (account, unit, expected, actual, item).
/// </summary>
public static class InvariantQueries
{
    /// <summary>(name, SQL) of each invariant query, in file order.</summary>
    public static IReadOnlyList<(string Name, string Sql)> All { get; } = Load();

    /// <summary>One row a query returned, as a <see cref="VerificationRow"/> of check <paramref name="name"/>.</summary>
    public static VerificationRow Read(DbDataReader reader, string name)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new VerificationRow(
            name,
            reader.IsDBNull(0) ? null : reader.GetString(0),
            reader.IsDBNull(1) ? null : reader.GetString(1),
            reader.GetInt64(2),
            reader.GetInt64(3),
            reader.IsDBNull(4) ? null : reader.GetGuid(4));
    }

    private static List<(string, string)> Load()
    {
        using var stream = typeof(InvariantQueries).Assembly.GetManifestResourceStream("Tally.Ledger.Relational.Invariants.sql")
            ?? throw new InvalidOperationException("Invariants.sql is not embedded");
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        var queries = new List<(string, string)>();
        foreach (var part in text.Split("-- check: ", StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var newline = part.IndexOf('\n', StringComparison.Ordinal);
            var name = part[..newline].Trim();
            var sql = part[(newline + 1)..].Trim().TrimEnd(';');
            if (!Checks.IsKnown(name))
            {
                throw new InvalidOperationException($"Invariants.sql has a check '{name}' that Checks does not describe");
            }

            queries.Add((name, sql));
        }

        return queries;
    }
}
