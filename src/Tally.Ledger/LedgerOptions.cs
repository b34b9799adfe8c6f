namespace Tally.Ledger;

/// <summary>
/// The ledger's rules that come from configuration (the server binds them from its settings).
/// Amounts are in whole units of the unit they apply to.
/// </summary>
public sealed class LedgerOptions
{
    /// <summary>Signup grant given once when an account is created 0 = none.</summary>
    public long InitialAmount { get; set; } = 100;

    /// <summary>A grant that would take the balance above this is refused.</summary>
    public long MaxBalance { get; set; } = 1_000_000;

    /// <summary>Largest amount of one grant, charge, hold, transfer or adjustment.</summary>
    public long MaxPerOperation { get; set; } = 1_000_000;

    /// <summary>Mutations on an unknown account create it (signup grant included).</summary>
    public bool AutoCreateAccounts { get; set; } = true;

    /// <summary>How long idempotency keys are remembered (at least 24 h is promised to clients).</summary>
    public TimeSpan IdempotencyRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Most commands in one batch request.</summary>
    public int MaxBatchCommands { get; set; } = 1000;

    /// <summary>
    /// Group commit: concurrent single-command requests share store transactions (each keeps its
    /// own outcome and idempotency). Off, every request is its own transaction.
    /// </summary>
    public bool GroupCommit { get; set; } = true;

    /// <summary>
    /// Transactions in flight at once under group commit; requests go to a lane by account.
    /// Null takes the store's <see cref="Storage.ILedgerStore.WriteConcurrency"/>.
    /// </summary>
    public int? GroupCommitLanes { get; set; }

    /// <summary>Most requests in one group transaction.</summary>
    public int GroupCommitMaxBatch { get; set; } = 128;

    /// <summary>Pricing rules evaluated on grants and charges (SPEC §9, docs/rules.md); none by default.</summary>
    public Rules.RuleSet Rules { get; set; } = Tally.Ledger.Rules.RuleSet.Empty;

    /// <summary>Returns the first invalid setting as (name, problem), or null when all are valid.</summary>
    public (string Setting, string Problem)? Validate()
    {
        if (InitialAmount < 0 || InitialAmount > MaxPerOperation)
        {
            return (nameof(InitialAmount), $"must be between 0 and MaxPerOperation ({MaxPerOperation})");
        }

        if (MaxBalance <= 0 || MaxBalance > 1_000_000_000_000)
        {
            return (nameof(MaxBalance), "must be between 1 and 10^12");
        }

        if (MaxPerOperation <= 0 || MaxPerOperation > 1_000_000_000_000)
        {
            return (nameof(MaxPerOperation), "must be between 1 and 10^12");
        }

        if (IdempotencyRetention < TimeSpan.FromHours(24))
        {
            return (nameof(IdempotencyRetention), "must be at least 24 hours");
        }

        if (GroupCommitLanes is < 1 or > 64)
        {
            return (nameof(GroupCommitLanes), "must be between 1 and 64");
        }

        if (GroupCommitMaxBatch is < 1 or > 10_000)
        {
            return (nameof(GroupCommitMaxBatch), "must be between 1 and 10000");
        }

        if (MaxBatchCommands is < 1 or > 10_000)
        {
            return (nameof(MaxBatchCommands), "must be between 1 and 10000");
        }

        return null;
    }
}
