using Tally.Ledger.Amounts;
using Tally.Ledger.Model;

namespace Tally.Ledger.Rules;

/// <summary>What the rules did to one command: the final amount, what changed it, usage to take, or a refusal.</summary>
public sealed record RuleOutcome(Credits Amount, IReadOnlyList<AppliedRule> Applied, IReadOnlyList<RuleUse> Uses)
{
    public string? Refusal { get; init; }
    public string? RefusedBy { get; init; }
}

/// <summary>
/// The rules in force, in evaluation order: priority descending, ties in declaration order
/// (configured rules first, then <see cref="ILedgerRule"/>s in registration order). Pure: the
/// same context and usage give the same outcome.
/// </summary>
public sealed class RuleSet
{
    public static readonly RuleSet Empty = new([], []);

    private readonly ILedgerRule[] _ordered;

    public RuleSet(IEnumerable<RuleDefinition> definitions, IEnumerable<ILedgerRule> custom)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        ArgumentNullException.ThrowIfNull(custom);
        Definitions = [.. definitions];
        foreach (var definition in Definitions)
        {
            if (definition.Validate() is { } problem)
            {
                throw new ArgumentException($"rule '{definition.Name}': {problem.Field} {problem.Problem}", nameof(definitions));
            }
        }

        var all = Definitions.Select(BuiltIn).Concat(custom).ToList();
        if (all.GroupBy(r => r.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            throw new ArgumentException($"two rules are named '{duplicate.Key}'", nameof(definitions));
        }

        // OrderBy is stable: equal priorities keep declaration order.
        _ordered = [.. all.Select((r, i) => (Rule: r, Index: i)).OrderByDescending(p => p.Rule.Priority).ThenBy(p => p.Index).Select(p => p.Rule)];
        NeedsUsage = Definitions.Any(d => RuleKinds.IsPerFeature(d.Kind)) || _ordered.Any(r => r is not BuiltInRule);
        AppliesToCharges = _ordered.Any(r => r is not BuiltInRule b || b.Operation == RuleOperation.Charge);
        AppliesToGrants = _ordered.Any(r => r is not BuiltInRule b || b.Operation == RuleOperation.Grant);
    }

    public IReadOnlyList<RuleDefinition> Definitions { get; }

    /// <summary>Every rule, configured and custom, in the order they run.</summary>
    public IReadOnlyList<ILedgerRule> Ordered => _ordered;

    public bool IsEmpty => _ordered.Length == 0;

    /// <summary>Some rule reads usage: the store loads the accounts' usage rows with them.</summary>
    public bool NeedsUsage { get; }

    public bool AppliesToCharges { get; }
    public bool AppliesToGrants { get; }

    /// <summary>Runs every rule in order on <paramref name="context"/>; stops at the first refusal.</summary>
    public RuleOutcome Evaluate(RuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var amount = context.Amount;
        List<AppliedRule>? applied = null;
        List<RuleUse>? uses = null;
        foreach (var rule in _ordered)
        {
            if (rule.Evaluate(context with { Amount = amount }) is not { } decision)
            {
                continue;
            }

            if (decision.Refusal is { } refusal)
            {
                return new RuleOutcome(amount, applied ?? [], []) { Refusal = refusal, RefusedBy = rule.Name };
            }

            if (decision.Amount.IsNegative)
            {
                throw new InvariantViolationException($"rule '{rule.Name}' made an amount negative");
            }

            if (decision.Amount != amount)
            {
                (applied ??= []).Add(new AppliedRule(rule.Name, rule.Kind, amount, decision.Amount));
                amount = decision.Amount;
            }

            if (decision.Uses.Count > 0)
            {
                (uses ??= []).AddRange(decision.Uses);
            }
        }

        return new RuleOutcome(amount, (IReadOnlyList<AppliedRule>?)applied ?? [], (IReadOnlyList<RuleUse>?)uses ?? []);
    }

    private static BuiltInRule BuiltIn(RuleDefinition d) => d.Kind switch
    {
        RuleKinds.MaxBalance => new MaxBalanceRule(d),
        RuleKinds.TierBonus => new TierBonusRule(d),
        RuleKinds.FirstUseDiscount => new FirstUseRule(d),
        RuleKinds.VolumeDiscount => new VolumeRule(d),
        _ => new AllowanceRule(d),
    };

    /// <summary>The usage key of a first-use marker for <paramref name="feature"/> (period 0: forever).</summary>
    public static string FirstUseKey(string feature) => "first_use:" + feature;

    /// <summary>The usage key of a free allowance for <paramref name="feature"/> (one row per period).</summary>
    public static string AllowanceKey(string feature) => "allowance:" + feature;

    /// <summary>The usage key of a volume discount for <paramref name="feature"/> (one row per period: credits used at list price).</summary>
    public static string VolumeKey(string feature) => "volume:" + feature;

    /// <summary><paramref name="percent"/> % of <paramref name="amount"/>, rounded down to a minor unit.</summary>
    public static Credits PercentOf(Credits amount, decimal percent) =>
        new((long)decimal.Floor(amount.Minor * percent / 100m));

    private abstract class BuiltInRule(RuleDefinition d, RuleOperation operation) : ILedgerRule
    {
        public string Name { get; } = d.Name!;
        public string Kind { get; } = d.Kind!;
        public int Priority { get; } = d.Priority;
        public RuleOperation Operation { get; } = operation;
        protected RuleDefinition Definition { get; } = d;

        public RuleDecision? Evaluate(RuleContext context) =>
            context.Operation == Operation && (Definition.Tier is null || context.Tier == Definition.Tier)
                ? Decide(context)
                : null;

        protected abstract RuleDecision? Decide(RuleContext context);
    }

    private sealed class MaxBalanceRule(RuleDefinition d) : BuiltInRule(d, RuleOperation.Grant)
    {
        protected override RuleDecision? Decide(RuleContext c) =>
            c.Balance + c.Amount > c.Unit.FromWhole(Definition.Max!.Value)
                ? RuleDecision.Refuse(c.Amount, $"would take the balance above the maximum of {Definition.Max} for {(Definition.Tier is { } t ? $"tier '{t}'" : "this account")} (rule '{Name}')")
                : null;
    }

    /// <summary>Purchases only: credits bought, not granted (signup, promo, admin) or renewed.</summary>
    private sealed class TierBonusRule(RuleDefinition d) : BuiltInRule(d, RuleOperation.Grant)
    {
        protected override RuleDecision? Decide(RuleContext c) =>
            c.Source == LotSource.Purchase ? new RuleDecision(c.Amount + PercentOf(c.Amount, Definition.Percent!.Value)) : null;
    }

    /// <summary>The first charge of the feature with something to pay takes the discount; the marker makes it once.</summary>
    private sealed class FirstUseRule(RuleDefinition d) : BuiltInRule(d, RuleOperation.Charge)
    {
        private readonly string _key = FirstUseKey(d.Feature!);

        protected override RuleDecision? Decide(RuleContext c)
        {
            if (c.Feature != Definition.Feature || !c.Amount.IsPositive || c.Usage.Get(_key, 0) > 0)
            {
                return null;
            }

            return new RuleDecision(c.Amount - PercentOf(c.Amount, Definition.Percent!.Value)) { Uses = [new RuleUse(_key, 0, 1)] };
        }
    }

    /// <summary>The part of a charge the period's allowance still covers costs nothing.</summary>
    private sealed class AllowanceRule(RuleDefinition d) : BuiltInRule(d, RuleOperation.Charge)
    {
        private readonly string _key = AllowanceKey(d.Feature!);

        protected override RuleDecision? Decide(RuleContext c)
        {
            if (c.Feature != Definition.Feature || !c.Amount.IsPositive)
            {
                return null;
            }

            var period = RulePeriods.Start(Definition.Period!, c.Now);
            var used = c.Usage.Get(_key, period);
            if (Definition.Credits is { } credits)
            {
                var allowance = (long)decimal.Floor(credits * c.Unit.Scale);
                var covered = Math.Min(c.Amount.Minor, Math.Max(0, allowance - used));
                return covered == 0 ? null : new RuleDecision(c.Amount - new Credits(covered)) { Uses = [new RuleUse(_key, period, covered)] };
            }

            var quantity = (c.Quantity ?? Micros.One).Value;
            Amounts.Micros.TryFrom(Definition.Quantity!.Value, out var allowed);
            var coveredQuantity = Math.Min(quantity, Math.Max(0, allowed.Value - used));
            if (coveredQuantity == 0)
            {
                return null;
            }

            // The covered share of the amount, rounded down: a partly covered charge never costs less than its uncovered part.
            var coveredAmount = coveredQuantity == quantity ? c.Amount.Minor : (long)((Int128)c.Amount.Minor * coveredQuantity / quantity);
            return new RuleDecision(c.Amount - new Credits(coveredAmount)) { Uses = [new RuleUse(_key, period, coveredQuantity)] };
        }
    }

    /// <summary>
    /// Dynamic pricing by use: the discount of the highest tier the account's use of the feature
    /// this period (at list price, before this charge) is above; every charge adds its list price.
    /// </summary>
    private sealed class VolumeRule(RuleDefinition d) : BuiltInRule(d, RuleOperation.Charge)
    {
        private readonly string _key = VolumeKey(d.Feature!);

        protected override RuleDecision? Decide(RuleContext c)
        {
            if (c.Feature != Definition.Feature || !c.Requested.IsPositive)
            {
                return null;
            }

            var period = RulePeriods.Start(Definition.Period!, c.Now);
            var used = new Credits(c.Usage.Get(_key, period));
            var amount = VolumeTiers.Price(c.Amount, used, Definition.Tiers!, c.Unit);
            return new RuleDecision(amount) { Uses = [new RuleUse(_key, period, c.Requested.Minor)] };
        }
    }
}
