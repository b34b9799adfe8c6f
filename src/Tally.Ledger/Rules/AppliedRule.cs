using System.Text.Json;
using System.Text.Json.Serialization;
using Tally.Ledger.Amounts;

namespace Tally.Ledger.Rules;

/// <summary>One rule that changed an entry's amount: from <paramref name="AmountBefore"/> to <paramref name="AmountAfter"/> (minor units, unsigned).</summary>
public sealed record AppliedRule(string Rule, string Kind, Credits AmountBefore, Credits AmountAfter);

/// <summary>
/// The entries' <c>rules</c> column: a JSON array of applied rules with amounts in minor units,
/// NULL when no rule changed the entry (the common case, so nothing is stored for it).
/// </summary>
public static class AppliedRules
{
    private sealed record Stored(
        [property: JsonPropertyName("rule")] string Rule,
        [property: JsonPropertyName("kind")] string Kind,
        [property: JsonPropertyName("before")] long Before,
        [property: JsonPropertyName("after")] long After);

    public static string? Encode(IReadOnlyList<AppliedRule>? rules) =>
        rules is null || rules.Count == 0
            ? null
            : JsonSerializer.Serialize(rules.Select(r => new Stored(r.Rule, r.Kind, r.AmountBefore.Minor, r.AmountAfter.Minor)).ToArray());

    public static IReadOnlyList<AppliedRule> Decode(string? json) =>
        string.IsNullOrEmpty(json)
            ? []
            : (JsonSerializer.Deserialize<Stored[]>(json) ?? []).Select(s => new AppliedRule(s.Rule, s.Kind, new Credits(s.Before), new Credits(s.After))).ToArray();
}
