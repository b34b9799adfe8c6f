using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Engine;
using Tally.Ledger.Model;

namespace Tally.Server.Http;

/// <summary>
/// Collects every field error of a request while its body becomes a command, by the core's one
/// set of rules (<see cref="FieldRules"/>): limits and messages live there, not here.
/// </summary>
public sealed class Fields(CreditLedger ledger)
{
    public Dictionary<string, string[]> Errors { get; } = new(StringComparer.Ordinal);

    public bool Ok => Errors.Count == 0;

    /// <summary>CREDIT_MAX_PER_OPERATION, in whole units.</summary>
    public long MaxPerOperation => ledger.Options.MaxPerOperation;

    public void Add(string field, string message) => Errors.TryAdd(field, [message]);

    /// <summary>Adds <paramref name="problem"/> under <paramref name="field"/> when a rule found one.</summary>
    public void Check(string field, string? problem)
    {
        if (problem is not null)
        {
            Add(field, problem);
        }
    }

    public BytesResult Problem(HttpContext http) => Problems.Result(Problems.Validation(Problems.TraceId(http), Errors));

    /// <summary>The unit named (default <c>credits</c>), or an error on <c>unit</c>.</summary>
    public async ValueTask<UnitInfo?> UnitAsync(string? key, CancellationToken ct, string field = "unit")
    {
        var unit = await ledger.FindUnitAsync(key ?? UnitInfo.DefaultKey, ct);
        if (unit is null)
        {
            Add(field, $"unknown unit '{key}'");
        }

        return unit;
    }

    /// <summary>How a charge or hold names its cost: an amount (in <paramref name="unitKey"/>, default credits), or a feature × quantity.</summary>
    public async ValueTask<Price?> PriceAsync(decimal? amount, string? feature, decimal? quantity, string? unitKey, CancellationToken ct)
    {
        if (amount is not null && feature is not null)
        {
            Add("feature", FieldRules.AmountOrFeature);
            return null;
        }

        if (feature is not null)
        {
            Check("feature", FieldRules.FeatureKey(feature));
            var micros = Quantity(quantity);
            if (unitKey is not null)
            {
                await UnitAsync(unitKey, ct);
            }

            return Ok ? Price.OfFeature(feature, micros) with { Unit = unitKey } : null;
        }

        if (quantity is not null)
        {
            Add("quantity", FieldRules.QuantityNeedsFeature);
        }

        if (amount is null)
        {
            Add("amount", FieldRules.AmountRequired);
            return null;
        }

        var unit = await UnitAsync(unitKey, ct);
        var minor = Amount(amount, unit);
        return Ok ? Price.Of(minor!.Value, unit!.Key) : null;
    }

    /// <summary>An amount in minor units of <paramref name="unit"/> (<see cref="FieldRules.Amount(decimal, UnitInfo, long, out Credits, bool)"/>).</summary>
    public Credits? Amount(decimal? value, UnitInfo? unit, string field = "amount", bool required = true, bool signed = false)
    {
        if (value is not { } amount)
        {
            if (required)
            {
                Add(field, FieldRules.Required);
            }

            return null;
        }

        if (unit is null)
        {
            return null;
        }

        var problem = FieldRules.Amount(amount, unit, ledger.Options.MaxPerOperation, out var minor, signed);
        Check(field, problem);
        return problem is null ? minor : null;
    }

    /// <summary>A feature quantity (<see cref="FieldRules.Quantity"/>).</summary>
    public Micros? Quantity(decimal? value, string field = "quantity")
    {
        if (value is not { } quantity)
        {
            return null;
        }

        var problem = FieldRules.Quantity(quantity, out var micros);
        Check(field, problem);
        return problem is null ? micros : null;
    }

    /// <summary>A required string member (a batch operation's <c>account</c>).</summary>
    public string? Required(string? value, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            Add(field, FieldRules.Required);
            return null;
        }

        return value;
    }

    /// <summary>A hold id (<c>hold_…</c>).</summary>
    public Guid? Hold(string? value, string field = "holdId")
    {
        if (LedgerIds.TryParseHold(value, out var id))
        {
            return id;
        }

        Add(field, "must be a hold id (hold_…)");
        return null;
    }

    /// <summary>Free text (<see cref="FieldRules.Text"/>).</summary>
    public string? Text(string? value, string field, int max = FieldRules.MaxTextLength)
    {
        Check(field, FieldRules.Text(value, max));
        return value;
    }
}
