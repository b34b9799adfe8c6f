using Tally.Ledger.Outcomes;

namespace Tally.Server.Contracts;

/// <summary>How successful ledger outcomes answer on the wire.</summary>
public static class Responses
{
    /// <summary>Grants, charges, reversals, adjustments: 201 { entry, balance }.</summary>
    public static (int Status, object Body) Entry(Success outcome)
    {
        var result = (EntryResult)outcome;
        return (StatusCodes.Status201Created, new MutationResponse(EntryDto.From(result.Entry), BalanceDto.From(result.Balance)));
    }

    /// <summary>Reserve: 201 Hold.</summary>
    public static (int Status, object Body) Reserved(Success outcome) =>
        (StatusCodes.Status201Created, HoldDto.From(((HoldResult)outcome).Hold));

    /// <summary>Capture and release: 200 { hold, entry, balance }.</summary>
    public static (int Status, object Body) HoldChanged(Success outcome)
    {
        var result = (HoldResult)outcome;
        return (StatusCodes.Status200OK, new HoldMutationResponse(HoldDto.From(result.Hold), result.Entry is { } e ? EntryDto.From(e) : null, BalanceDto.From(result.Balance)));
    }

    /// <summary>Transfer: 201 { debit, credit }.</summary>
    public static (int Status, object Body) Transferred(Success outcome)
    {
        var result = (TransferResult)outcome;
        return (StatusCodes.Status201Created, new TransferResponse(EntryDto.From(result.Debit), EntryDto.From(result.Credit)));
    }
}
