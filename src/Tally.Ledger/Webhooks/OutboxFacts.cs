using Tally.Ledger.Model;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Webhooks;

/// <summary>
/// What one write transaction did that outbound webhooks report, as the outbox row it writes in
/// the same transaction: the journal entries it wrote (the journal holds the rest), plus the two
/// facts the journal does not hold — accounts that became frozen (with the seq the freeze took)
/// and holds that expired. One row per transaction, not per request, so the charge path pays one
/// small insert per group commit.
/// </summary>
public sealed record OutboxFacts(
    IReadOnlyList<Guid> Entries,
    IReadOnlyList<string> FrozenAccounts,
    IReadOnlyList<long> FrozenSeqs,
    IReadOnlyList<Guid> ExpiredHolds,
    IReadOnlyList<string> ExpiredHoldAccounts)
{
    public static readonly OutboxFacts None = new([], [], [], [], []);

    public bool IsEmpty => Entries.Count == 0 && FrozenAccounts.Count == 0 && ExpiredHolds.Count == 0;

    /// <summary>The facts of <paramref name="snapshot"/>'s changes, or null when it wrote nothing worth an event.</summary>
    public static OutboxFacts? Of(LedgerSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        List<Guid>? entries = null;
        List<string>? frozen = null;
        List<long>? frozenSeqs = null;
        List<Guid>? holds = null;
        List<string>? holdAccounts = null;
        foreach (var account in snapshot.Accounts.Values)
        {
            foreach (var entry in account.NewEntries)
            {
                (entries ??= []).Add(entry.Id);
            }

            if (account.BecameFrozen && account.Frozen)
            {
                (frozen ??= []).Add(account.ExternalId);
                (frozenSeqs ??= []).Add(account.Seq);
            }

            foreach (var hold in account.Holds)
            {
                // Loaded active, expired now: a hold expires once, in the transaction that sees it past its TTL.
                if (hold is { IsDirty: true, IsNew: false, Status: HoldStatus.Expired })
                {
                    (holds ??= []).Add(hold.Id);
                    (holdAccounts ??= []).Add(account.ExternalId);
                }
            }
        }

        return entries is null && frozen is null && holds is null
            ? null
            : new OutboxFacts(entries ?? [], frozen ?? [], frozenSeqs ?? [], holds ?? [], holdAccounts ?? []);
    }
}
