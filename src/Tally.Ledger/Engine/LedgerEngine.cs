using Tally.Ledger.Commands;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Engine;

/// <summary>
/// Decides requests against a locked snapshot. Pure: the same snapshot and requests give the same
/// outcomes and changes, which is what lets a store re-run it after a serialization failure and
/// lets many requests share one transaction (group commit).
/// </summary>
public sealed class LedgerEngine(LedgerOptions options, IUnitCatalog units)
{
    /// <summary>Decides <paramref name="requests"/> in order against one snapshot, each with its own outcome (a group commit's batch).</summary>
    public IReadOnlyList<RequestOutcome> Run(IReadOnlyList<LedgerRequest> requests, LedgerSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var outcomes = new RequestOutcome[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            outcomes[i] = Run(requests[i], snapshot);
        }

        return outcomes;
    }

    public RequestOutcome Run(LedgerRequest request, LedgerSnapshot snapshot)
    {
        if (request.Idempotency is { } idempotency && snapshot.Idempotency.TryGetValue(idempotency.Key, out var stored))
        {
            return Replay(idempotency, stored);
        }

        if (request.ReplayOnly)
        {
            return new RequestOutcome([], null);
        }

        var ctx = new CommandContext(snapshot, options, units, request.Actor, request.Idempotency?.ClientKey ?? request.Idempotency?.Key);
        var outcome = request.Mode == BatchMode.Atomic
            ? RunAtomic(ctx, request.Commands)
            : RunEach(ctx, request.Commands);
        if (request.Render is { } render)
        {
            outcome = outcome with { Response = render(outcome) };
        }

        if (request.Idempotency is null || (!request.RememberRefusals && Refused(outcome)))
        {
            return outcome;
        }

        return Remember(snapshot, request.Idempotency, outcome);
    }

    private static bool Refused(RequestOutcome outcome) => outcome.FailedIndex is not null || outcome.Results.Any(r => !r.Succeeded);

    private static RequestOutcome Replay(RequestIdempotency idempotency, IdempotencyRow stored)
    {
        if (!stored.Fingerprint.AsSpan().SequenceEqual(idempotency.Fingerprint))
        {
            return new RequestOutcome([new IdempotencyConflict(idempotency.ClientKey ?? idempotency.Key)], null);
        }

        return OutcomeCodec.Decode(stored.OutcomeJson) with
        {
            Replayed = true,
            Response = stored.ResponseStatus is { } status ? new StoredResponse(status, stored.ResponseBody ?? []) : null,
        };
    }

    private static RequestOutcome Remember(LedgerSnapshot snapshot, RequestIdempotency idempotency, RequestOutcome outcome)
    {
        var response = outcome.Response;
        var row = new IdempotencyRow(
            idempotency.Key,
            idempotency.Fingerprint,
            OutcomeCodec.Encode(outcome),
            response?.Status,
            response?.Body,
            snapshot.Now);
        snapshot.Idempotency[row.Key] = row;
        snapshot.NewIdempotency.Add(row);
        return outcome;
    }

    private static RequestOutcome RunEach(CommandContext ctx, IReadOnlyList<LedgerCommand> commands)
    {
        var results = new LedgerOutcome[commands.Count];
        for (var i = 0; i < commands.Count; i++)
        {
            results[i] = Dispatch(ctx, commands[i]);
        }

        return new RequestOutcome(results, null);
    }

    private static RequestOutcome RunAtomic(CommandContext ctx, IReadOnlyList<LedgerCommand> commands)
    {
        if (commands.Count == 1)
        {
            // A refused command changes nothing of its own, so one command needs no checkpoint.
            var only = Dispatch(ctx, commands[0]);
            return new RequestOutcome([only], only.Succeeded ? null : 0);
        }

        var checkpoint = ctx.Snapshot.Checkpoint();
        var results = new List<LedgerOutcome>(commands.Count);
        for (var i = 0; i < commands.Count; i++)
        {
            var result = Dispatch(ctx, commands[i]);
            results.Add(result);
            if (!result.Succeeded)
            {
                ctx.Snapshot.Restore(checkpoint);
                return new RequestOutcome(results, i);
            }
        }

        return new RequestOutcome(results, null);
    }

    private static LedgerOutcome Dispatch(CommandContext ctx, LedgerCommand command) => command switch
    {
        Charge c => DebitOps.Charge(ctx, c),
        Grant g => CreditOps.Grant(ctx, g),
        Reserve r => HoldOps.Reserve(ctx, r),
        Capture c => HoldOps.Capture(ctx, c),
        Release r => HoldOps.Release(ctx, r),
        Reverse r => CreditOps.Reverse(ctx, r),
        Adjust a => CreditOps.Adjust(ctx, a),
        Transfer t => DebitOps.Transfer(ctx, t),
        EnsureAccount e => Accounts.Ensure(ctx, e),
        SetFrozen f => Accounts.SetFrozen(ctx, f),
        Sweep s => Accounts.Sweep(ctx, s),
        Clawback c => DebitOps.Clawback(ctx, c),
        _ => throw new System.Diagnostics.UnreachableException($"no handler for {command.GetType().Name}"),
    };
}
