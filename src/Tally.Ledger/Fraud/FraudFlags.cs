namespace Tally.Ledger.Fraud;

/// <summary>What tripped a flag (docs/fraud.md).</summary>
public enum FraudKind
{
    /// <summary>Credits consumed (charges and captures) within the rate window above the threshold.</summary>
    Velocity,

    /// <summary>Repeated failed payments.</summary>
    FailedPayments,

    /// <summary>Repeated refunds.</summary>
    Refunds,

    /// <summary>A dispute (chargeback) opened or lost.</summary>
    Dispute,
}

public enum FraudFlagStatus
{
    Open,
    Cleared,
}

/// <summary>
/// One flag: an account, what tripped it and the evidence (a JSON object: the numbers and the
/// entry or payment ids, bounded), open until an admin clears it with a reason.
/// </summary>
public sealed record FraudFlag(
    string Id,
    string Account,
    FraudKind Kind,
    string Evidence,
    FraudFlagStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ClearedAt,
    string? ClearedBy,
    string? ClearReason)
{
    /// <summary>The outbound event a raised flag writes to the outbox, in the same transaction.</summary>
    public const string FlaggedEvent = "credit.fraud_flagged";

    /// <summary>A new flag id: time-ordered, so ids sort newest last and page by id.</summary>
    public static string NewId(DateTimeOffset now) => "flag_" + Model.LedgerIds.New(now).ToString("N");

    public static string Name(FraudKind kind) => kind switch
    {
        FraudKind.Velocity => "velocity",
        FraudKind.FailedPayments => "failed_payments",
        FraudKind.Refunds => "refunds",
        FraudKind.Dispute => "dispute",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static FraudKind? KindOf(string name) => name switch
    {
        "velocity" => FraudKind.Velocity,
        "failed_payments" => FraudKind.FailedPayments,
        "refunds" => FraudKind.Refunds,
        "dispute" => FraudKind.Dispute,
        _ => null,
    };

    public static string Name(FraudFlagStatus status) => status == FraudFlagStatus.Open ? "open" : "cleared";
}

/// <summary>Credits an account consumed in one unit (minor units, positive) and in how many entries.</summary>
public readonly record struct ConsumptionTotal(string Account, string Unit, long Minor, long Entries);

/// <summary>
/// Credits of <paramref name="Unit"/> consumed in one minute (<paramref name="Minute"/>: whole
/// minutes since the Unix epoch) after a watermark, and the account's seq when read
/// (<paramref name="Unit"/> null: nothing new).
/// </summary>
public readonly record struct ConsumptionMinute(string Account, long Seq, string? Unit, long Minute, long Minor, long Entries);

/// <summary>A payment fact that counts towards a flag: a failed payment, a refund, a dispute opened or lost.</summary>
public readonly record struct PaymentSignal(string Account, FraudKind Kind, string PaymentId, string? Effect, DateTimeOffset At);

/// <summary>
/// Fraud flags' storage, beside the ledger (both stores implement it). Raising a flag writes its
/// <see cref="FraudFlag.FlaggedEvent"/> outbox row in the same transaction; at most one flag per
/// (account, kind) is open, enforced by the database.
/// </summary>
public interface IFraudStore
{
    /// <summary>Credits consumed (charge and capture entries) per account and unit since <paramref name="since"/> (exclusive).</summary>
    Task<IReadOnlyList<ConsumptionTotal>> SumConsumptionAsync(IReadOnlyCollection<string> accounts, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>
    /// Consumption per account, unit and minute (Unix epoch minutes) after each account's seq
    /// watermark and since <paramref name="since"/> (exclusive), with each account's seq read in
    /// the same snapshot: the detector's incremental window (an account with nothing new answers
    /// one row with a null unit).
    /// </summary>
    Task<IReadOnlyList<ConsumptionMinute>> ReadConsumptionAfterAsync(IReadOnlyList<(string Account, long AfterSeq)> accounts, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>The newest consumption entries of one account and unit since <paramref name="since"/> (exclusive), newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<Guid>> ListConsumptionAsync(string account, string unit, DateTimeOffset since, int limit, CancellationToken cancellationToken);

    /// <summary>Failed payments (by their last update), refunds and disputes since <paramref name="since"/> (exclusive), newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<PaymentSignal>> ListPaymentSignalsAsync(DateTimeOffset since, int limit, CancellationToken cancellationToken);

    /// <summary>Stores a new open flag and its outbound event in one transaction; false (nothing written) when the account already has an open flag of that kind.</summary>
    Task<bool> RaiseFlagAsync(FraudFlag flag, CancellationToken cancellationToken);

    /// <summary>The account's newest flag of a kind (open or cleared), if any.</summary>
    Task<FraudFlag?> LatestFlagAsync(string account, FraudKind kind, CancellationToken cancellationToken);

    Task<FraudFlag?> FindFlagAsync(string id, CancellationToken cancellationToken);

    /// <summary>Flags newest first, optionally of one status and account, before the id <paramref name="before"/> when paging.</summary>
    Task<IReadOnlyList<FraudFlag>> ListFlagsAsync(FraudFlagStatus? status, string? account, string? before, int limit, CancellationToken cancellationToken);

    /// <summary>Clears an open flag (a cleared one stays as it was cleared); returns the flag as it now is, or null when unknown.</summary>
    Task<FraudFlag?> ClearFlagAsync(string id, string actor, string reason, DateTimeOffset now, CancellationToken cancellationToken);
}
