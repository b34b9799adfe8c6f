
namespace Tally.Ledger.Verification;

/// <summary>One violated invariant, with what was expected and what was found.</summary>
public sealed record Violation(string Check, int Invariant, string Account, string? Unit, long Expected, long Actual, Guid? Item)
{
    public string Describe() => Checks.Describe(this);
}

/// <summary>The raw rows the invariant queries returned.</summary>
public sealed record VerificationRow(string Check, string? Account, string? Unit, long Expected, long Actual, Guid? Item);

/// <summary>Everything <c>tally verify</c> looked at.</summary>
public sealed record VerificationData(IReadOnlyList<VerificationRow> Rows, bool JournalAppendOnly, long Accounts, long Entries);

/// <summary>The verdict: no violations means every invariant listed in the README holds.</summary>
public sealed record VerificationReport(IReadOnlyList<Violation> Violations, long Accounts, long Entries)
{
    public bool Ok => Violations.Count == 0;
}

/// <summary>What each violation of an invariant means (the queries that find them are the stores' shared SQL).</summary>
public static class Checks
{
    private static readonly Dictionary<string, (int Invariant, string Meaning)> Meanings = new(StringComparer.Ordinal)
    {
        ["journal_sum"] = (1, "balance ≠ Σ entry amounts"),
        ["newest_balance_after"] = (1, "newest entry's balanceAfter ≠ balance"),
        ["lots_match_balance"] = (2, "balance ≠ Σ lot remainders + held − debt"),
        ["overdraft"] = (2, "debt and overdraft-backed holds exceed the overdraft limit plus the debt clawbacks created"),
        ["lot_bounds"] = (3, "lot remaining outside 0..amount"),
        ["lot_lineage"] = (3, "lot spent (amount − remaining) ≠ Σ burns + Σ active pins"),
        ["hold_pins"] = (3, "hold amount ≠ Σ pins + unbacked, or captured outside 0..amount"),
        ["account_seq"] = (1, "account seq behind its newest entry"),
        ["journal_keys"] = (5, "two entries share an id, or two entries of one account share a seq"),
        ["transfers_balance"] = (6, "a transfer's two entries do not cancel out"),
        ["references"] = (5, "a row points at a missing account, unit, lot or entry, or at another account's"),
        ["append_only"] = (5, "the journal does not reject UPDATE/DELETE"),
    };

    /// <summary>Whether <paramref name="name"/> is a check this class knows the meaning of.</summary>
    public static bool IsKnown(string name) => Meanings.ContainsKey(name);

    public static VerificationReport Evaluate(VerificationData data)
    {
        var violations = data.Rows
            .Select(r => new Violation(r.Check, Meanings[r.Check].Invariant, r.Account ?? "?", r.Unit, r.Expected, r.Actual, r.Item))
            .ToList();
        if (!data.JournalAppendOnly)
        {
            violations.Add(new Violation("append_only", 5, "*", null, 1, 0, null));
        }

        return new VerificationReport(violations, data.Accounts, data.Entries);
    }

    public static string Describe(Violation v)
    {
        var item = v.Item is { } id ? $" [{id:N}]" : "";
        return $"invariant {v.Invariant} ({v.Check}): {Meanings[v.Check].Meaning}; account {v.Account}" +
               (v.Unit is null ? "" : $", unit {v.Unit}") + item + $": expected {v.Expected}, found {v.Actual}";
    }
}
