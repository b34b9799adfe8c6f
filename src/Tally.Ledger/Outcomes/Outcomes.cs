using System.Text.Json.Serialization;
using Tally.Ledger.Amounts;
using Tally.Ledger.Model;

namespace Tally.Ledger.Outcomes;

/// <summary>
/// The closed set of results of a ledger command. Expected refusals (insufficient credits, frozen,
/// conflicts) are values here, not exceptions; exceptions mean bugs or a broken dependency.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "outcome")]
[JsonDerivedType(typeof(AccountResult), "account")]
[JsonDerivedType(typeof(EntryResult), "entry")]
[JsonDerivedType(typeof(HoldResult), "hold")]
[JsonDerivedType(typeof(TransferResult), "transfer")]
[JsonDerivedType(typeof(SweepResult), "sweep")]
[JsonDerivedType(typeof(ClawbackResult), "clawback")]
[JsonDerivedType(typeof(InsufficientCredits), "insufficient_credits")]
[JsonDerivedType(typeof(AccountFrozen), "account_frozen")]
[JsonDerivedType(typeof(NotFound), "not_found")]
[JsonDerivedType(typeof(InvalidState), "invalid_state")]
[JsonDerivedType(typeof(Invalid), "validation_failed")]
[JsonDerivedType(typeof(IdempotencyConflict), "idempotency_conflict")]
public abstract record LedgerOutcome
{
    [JsonIgnore]
    public abstract bool Succeeded { get; }
}

/// <summary>A command that did what it was asked.</summary>
public abstract record Success : LedgerOutcome
{
    public override bool Succeeded => true;
}

/// <summary>A command the ledger refused; nothing of it was written.</summary>
public abstract record Failure : LedgerOutcome
{
    public override bool Succeeded => false;
}

public sealed record AccountResult(AccountView Account, bool Created) : Success;

/// <summary>Grant, charge, reversal or adjustment: the entry written and the unit's balance after it.</summary>
public sealed record EntryResult(EntryView Entry, BalanceView Balance) : Success;

/// <summary>Reserve, capture or release: the hold as it now stands, the capture entry if any, the balance.</summary>
public sealed record HoldResult(HoldView Hold, EntryView? Entry, BalanceView Balance) : Success;

public sealed record TransferResult(EntryView Debit, EntryView Credit) : Success;

public sealed record SweepResult(int LotsExpired, int HoldsExpired) : Success;

/// <summary>
/// A clawback: the <c>clawback</c> entry (null when nothing was taken or owed), what it took
/// (<c>Recovered</c>: from lots, plus what became debt) and what it could not (<c>Unrecovered</c>,
/// clamp policy only); <c>Recovered</c> + <c>Unrecovered</c> is the amount asked for.
/// </summary>
public sealed record ClawbackResult(EntryView? Entry, Credits Recovered, Credits Unrecovered, BalanceView Balance) : Success
{
    /// <summary>The part of <c>Recovered</c> the lots could not cover and the account now owes (debt policy).</summary>
    public Credits Owed { get; init; }

    /// <summary>Why this clawback froze the account; null when it did not (no debt, not asked, or frozen already).</summary>
    public string? FreezeReason { get; init; }
}

/// <summary><c>Available</c> is what this charge could have spent; <c>Required</c> what it needed.</summary>
public sealed record InsufficientCredits(UnitInfo Unit, Credits Available, Credits Required) : Failure;

public sealed record AccountFrozen(string Account) : Failure;

public sealed record NotFound(string What, string Id) : Failure;

/// <summary>The request is well-formed but the target's state forbids it (a released hold, a fully reversed charge…).</summary>
public sealed record InvalidState(string Detail) : Failure;

/// <summary>A field's value is unacceptable; <c>Field</c> names it as the caller spelled it.</summary>
public sealed record Invalid(string Field, string Message) : Failure;

/// <summary>The idempotency key was used before with a different request.</summary>
public sealed record IdempotencyConflict(string Key) : Failure;

/// <summary>
/// The result of one request (one command, or a batch). For an atomic batch that failed,
/// <c>FailedIndex</c> names the command that failed and every other result is irrelevant.
/// </summary>
public sealed record RequestOutcome(IReadOnlyList<LedgerOutcome> Results, int? FailedIndex)
{
    /// <summary>True when this outcome was not produced now but replayed for a repeated idempotency key.</summary>
    [JsonIgnore]
    public bool Replayed { get; init; }

    /// <summary>The response stored with the idempotency key, when the caller asked for one to be stored.</summary>
    [JsonIgnore]
    public StoredResponse? Response { get; init; }

    [JsonIgnore]
    public LedgerOutcome Single => Results.Count == 1
        ? Results[0]
        : throw new InvalidOperationException($"request has {Results.Count} results, not one");
}

/// <summary>An opaque response (e.g. HTTP status and body) kept with an idempotency key for byte-exact replay.</summary>
public sealed record StoredResponse(int Status, byte[] Body);
