using Tally.Ledger.Amounts;
using Tally.Ledger.Model;

namespace Tally.Ledger.Rules;

/// <summary>What a rule is asked about: a grant (credits in) or a charge (credits out).</summary>
public enum RuleOperation
{
    Grant,
    Charge,
}

/// <summary>Per-account rule usage (first-use markers, allowance used this period), as loaded with the account.</summary>
public interface IRuleUsage
{
    /// <summary>What <paramref name="key"/> has used in the period starting at <paramref name="period"/> (Unix seconds; 0 = forever); 0 when nothing.</summary>
    long Get(string key, long period);
}

/// <summary>
/// Everything a rule may look at: the command as priced so far, the account as locked, and its
/// rule usage. <see cref="Amount"/> is the amount after the rules that ran before this one.
/// </summary>
public sealed record RuleContext
{
    public required RuleOperation Operation { get; init; }
    public required string Account { get; init; }
    public required string Tier { get; init; }
    public required UnitInfo Unit { get; init; }

    /// <summary>The amount as the rules before this one left it (minor units, positive or zero).</summary>
    public required Credits Amount { get; init; }

    /// <summary>The amount the command asked for, before any rule.</summary>
    public required Credits Requested { get; init; }

    /// <summary>The account's balance of <see cref="Unit"/> before the command.</summary>
    public required Credits Balance { get; init; }

    public string? Feature { get; init; }
    public Micros? Quantity { get; init; }

    /// <summary>A grant's lot source (purchase, subscription, promo…); null for charges.</summary>
    public LotSource? Source { get; init; }

    public required DateTimeOffset Now { get; init; }
    public required IRuleUsage Usage { get; init; }
}

/// <summary>Usage a rule takes when the command it changed succeeds: <paramref name="Delta"/> added to (key, period).</summary>
public sealed record RuleUse(string Key, long Period, long Delta);

/// <summary>
/// A rule's answer: the new amount (the same amount = no change, not recorded), or a refusal,
/// plus usage it takes if the command goes through.
/// </summary>
public sealed record RuleDecision(Credits Amount)
{
    /// <summary>Set when the rule refuses the command (an API 400 on <c>amount</c> with this text).</summary>
    public string? Refusal { get; init; }

    public IReadOnlyList<RuleUse> Uses { get; init; } = [];

    public static RuleDecision Refuse(Credits amount, string reason) => new(amount) { Refusal = reason };
}

/// <summary>
/// The extension point for rules a host app writes in C#: register implementations in DI
/// (<c>services.AddSingleton&lt;ILedgerRule, MyRule&gt;()</c>); they run with the configured rules in
/// one priority order. Keep them pure and fast: they run inside the write transaction, under the
/// account's lock, and may run again if the store retries the transaction.
/// </summary>
public interface ILedgerRule
{
    /// <summary>Unique among all rules; recorded on the entries this rule changes.</summary>
    string Name { get; }

    /// <summary>Recorded as the applied rule's kind (e.g. <c>custom</c>).</summary>
    string Kind => "custom";

    /// <summary>Higher runs first; ties run configured rules first, then registration order.</summary>
    int Priority { get; }

    /// <summary>Null when the rule does not apply; else the amount it leaves (and any refusal or usage).</summary>
    RuleDecision? Evaluate(RuleContext context);
}
