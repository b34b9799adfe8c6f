using System.Text.Json.Serialization;
using Tally.Ledger.Amounts;
using Tally.Ledger.Model;

namespace Tally.Ledger.Commands;

/// <summary>
/// One ledger mutation. Commands carry exact minor-unit amounts; the HTTP edge converts JSON
/// decimals with the unit's precision before building them. Serializable, so a request's
/// fingerprint (for idempotency) is the hash of its JSON.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "op")]
[JsonDerivedType(typeof(EnsureAccount), "ensure")]
[JsonDerivedType(typeof(Grant), "grant")]
[JsonDerivedType(typeof(Charge), "charge")]
[JsonDerivedType(typeof(Reserve), "reserve")]
[JsonDerivedType(typeof(Capture), "capture")]
[JsonDerivedType(typeof(Release), "release")]
[JsonDerivedType(typeof(Reverse), "reverse")]
[JsonDerivedType(typeof(Adjust), "adjust")]
[JsonDerivedType(typeof(Transfer), "transfer")]
[JsonDerivedType(typeof(SetFrozen), "freeze")]
[JsonDerivedType(typeof(Sweep), "sweep")]
[JsonDerivedType(typeof(Clawback), "clawback")]
public abstract record LedgerCommand;

/// <summary>A settable field: <c>IsSet</c> distinguishes "leave alone" from "set to null".</summary>
public readonly record struct Patch<T>(bool IsSet, T Value);

/// <summary>Builds <see cref="Patch{T}"/> values.</summary>
public static class Patch
{
    public static Patch<T> To<T>(T value) => new(true, value);
}

/// <summary>Create the account if missing (with the signup grant, once) and apply the given fields.</summary>
public sealed record EnsureAccount(
    string Account,
    string? Tier = null,
    long? OverdraftLimit = null,
    Patch<long?> LowBalanceThreshold = default,
    string? Metadata = null) : LedgerCommand;

/// <summary>Add a lot of credits.</summary>
public sealed record Grant(
    string Account,
    Credits Amount,
    string Unit = UnitInfo.DefaultKey,
    LotSource Source = LotSource.Admin,
    int Priority = Grant.DefaultPriority,
    DateTimeOffset? EffectiveAt = null,
    DateTimeOffset? ExpiresAt = null,
    IReadOnlyList<string>? Features = null,
    string? Reference = null,
    string? Description = null,
    string? Metadata = null) : LedgerCommand
{
    public const int DefaultPriority = 100;
    public const int MaxPriority = 1000;
}

/// <summary>
/// What something costs: an explicit <c>Amount</c> in <c>Unit</c>, or <c>Quantity</c> uses of a
/// catalog <c>Feature</c> (the unit is then the feature's, and the amount is rounded up).
/// </summary>
public sealed record Price(Credits? Amount = null, string? Feature = null, Micros? Quantity = null, string? Unit = null)
{
    public static Price Of(Credits amount, string unit = UnitInfo.DefaultKey) => new(amount, null, null, unit);

    public static Price OfFeature(string feature, Micros? quantity = null) => new(null, feature, quantity);
}

/// <summary>Spend credits now, burning lots in order.</summary>
public sealed record Charge(
    string Account,
    Price Price,
    string? Description = null,
    string? Reference = null,
    string? Metadata = null) : LedgerCommand;

/// <summary>Make credits unavailable until the hold is captured, released or expires.</summary>
public sealed record Reserve(
    string Account,
    Price Price,
    int TtlSeconds = Reserve.DefaultTtlSeconds,
    string? Description = null) : LedgerCommand
{
    public const int DefaultTtlSeconds = 300;
    public const int MaxTtlSeconds = 86_400;
}

/// <summary>
/// Charge up to the held amount (default all) and return the rest. <c>Amount</c> is in whole units
/// of the hold's unit (exact: more decimals than the unit allows is refused).
/// </summary>
public sealed record Capture(Guid HoldId, decimal? Amount = null) : LedgerCommand;

/// <summary>Return all held credits.</summary>
public sealed record Release(Guid HoldId) : LedgerCommand;

/// <summary>
/// Undo a charge or capture, fully (default: what is left of it) or partly. <c>Amount</c> is in
/// whole units of the entry's unit (exact).
/// </summary>
public sealed record Reverse(Guid EntryId, decimal? Amount = null, string? Reason = null) : LedgerCommand;

/// <summary>
/// An admin's signed correction; the reason is mandatory. Credits added are granted unless
/// <c>Paid</c> (a correction of purchased credits: counted as paid in liability and analytics).
/// Credits taken come from the lots in burn order, or only from <c>FromLot</c> when given (voiding
/// a lot is taking all it has left). Both options are left out of the idempotency fingerprint
/// when unset, so keys stored before they existed still match.
/// </summary>
public sealed record Adjust(
    string Account,
    Credits Amount,
    string Reason,
    string Unit = UnitInfo.DefaultKey,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Paid = false,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? FromLot = null) : LedgerCommand;

/// <summary>Move credits between two accounts atomically.</summary>
public sealed record Transfer(
    string From,
    string To,
    Credits Amount,
    string Unit = UnitInfo.DefaultKey,
    string? Description = null) : LedgerCommand;

/// <summary>Freeze (or unfreeze) an account: a frozen account refuses charges, new holds and transfers out.</summary>
public sealed record SetFrozen(string Account, bool Frozen, string? Reason = null) : LedgerCommand;

/// <summary>Write off expired lot remainders and release expired holds of one account.</summary>
public sealed record Sweep(string Account) : LedgerCommand;

/// <summary>
/// Take back credits that a refunded or disputed payment granted. Lots whose <c>Reference</c>
/// equals <c>LotReference</c> (the payment's grant) are taken first, oldest first; then every
/// other unexpired lot of the unit, scoped ones included, paid before granted, each in burn order.
/// Credits pinned by active holds are not taken. Works on frozen accounts (the customer is not
/// spending). What the lots cannot cover is reported as unrecovered (<see cref="ClawbackPolicy.Clamp"/>)
/// or becomes debt beyond the overdraft limit (<see cref="ClawbackPolicy.Debt"/>), which freezes
/// the account when <c>FreezeOnDebt</c>. Amounts are in minor units of <c>Unit</c>.
/// </summary>
public sealed record Clawback(
    string Account,
    Credits Amount,
    string Unit = UnitInfo.DefaultKey,
    string? LotReference = null,
    ClawbackPolicy Policy = ClawbackPolicy.Clamp,
    bool FreezeOnDebt = false,
    string? Reason = null,
    string? Reference = null) : LedgerCommand
{
    /// <summary>Why the account was frozen when a clawback left debt and the command gave no <c>Reason</c>.</summary>
    public const string DebtFreezeReason = "debt after clawback";
}

/// <summary>What a clawback does with the part of its amount that the account's lots cannot cover.</summary>
public enum ClawbackPolicy
{
    /// <summary>Take only what the lots hold; the rest is reported as unrecovered (a fraud signal), not owed.</summary>
    Clamp,

    /// <summary>Take it all: the rest becomes debt (the balance goes negative, past the overdraft limit).</summary>
    Debt,
}

/// <summary>How a multi-command request treats a failing command.</summary>
public enum BatchMode
{
    /// <summary>All commands or none.</summary>
    Atomic,

    /// <summary>Each command succeeds or fails on its own.</summary>
    Independent,
}
