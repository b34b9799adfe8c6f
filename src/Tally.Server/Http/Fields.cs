using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Engine;

namespace Tally.Server.Http;

/// <summary>
/// Collects field errors while a request body becomes a command; converts JSON decimals to exact
/// minor units of a unit (more decimals than the unit allows, ≤ 0, or above the per-operation
/// maximum is a field error, never a rounding).
/// </summary>
public sealed class Fields(CreditLedger ledger)
{
    public Dictionary<string, string[]> Errors { get; } = new(StringComparer.Ordinal);

    public bool Ok => Errors.Count == 0;

    /// <summary>CREDIT_MAX_PER_OPERATION, in whole units.</summary>
    public long MaxPerOperation => ledger.Options.MaxPerOperation;

    public void Add(string field, string message) => Errors.TryAdd(field, [message]);

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

    /// <summary>A required positive amount within the per-operation maximum.</summary>
    public Credits? Amount(decimal? value, UnitInfo? unit, string field = "amount", bool required = true, bool signed = false)
    {
        if (value is not { } amount)
        {
            if (required)
            {
                Add(field, "is required");
            }

            return null;
        }

        if (unit is null)
        {
            return null;
        }

        if (Math.Abs(amount) > ledger.Options.MaxPerOperation)
        {
            Add(field, $"must not exceed the maximum per operation ({ledger.Options.MaxPerOperation})");
            return null;
        }

        if (!unit.TryToMinor(amount, out var minor))
        {
            Add(field, unit.Precision == 0
                ? $"must be a whole number of {unit.Key}"
                : $"must have at most {unit.Precision} decimal places for {unit.Key}");
            return null;
        }

        if (signed ? minor.IsZero : !minor.IsPositive)
        {
            Add(field, signed ? "must not be zero" : "must be greater than zero");
            return null;
        }

        var max = unit.FromWhole(ledger.Options.MaxPerOperation);
        if ((minor.IsNegative ? -minor : minor) > max)
        {
            Add(field, $"must not exceed the maximum per operation ({ledger.Options.MaxPerOperation})");
            return null;
        }

        return minor;
    }

    /// <summary>A feature quantity: &gt; 0 with at most six decimals.</summary>
    public Micros? Quantity(decimal? value, string field = "quantity")
    {
        if (value is not { } quantity)
        {
            return null;
        }

        if (quantity <= 0)
        {
            Add(field, "must be greater than zero");
            return null;
        }

        if (quantity > Micros.MaxWhole)
        {
            Add(field, $"must be at most {Micros.MaxWhole}");
            return null;
        }

        if (!Micros.TryFrom(quantity, out var micros))
        {
            Add(field, "must have at most 6 decimal places");
            return null;
        }

        return micros;
    }

    public string? Text(string? value, string field, int max = TextRule.MaxLength)
    {
        if (TextRule.Problem(value, max) is { } problem)
        {
            Add(field, problem);
        }

        return value;
    }
}
