using Tally.Ledger;
using Tally.Ledger.Commands;
using Tally.Ledger.Outcomes;
using Tally.Server.Auth;
using Tally.Server.Ops;

namespace Tally.Server.Http;

/// <summary>What a successful command answers: a status and a body object.</summary>
public delegate (int Status, object Body) SuccessResponse(Success outcome);

/// <summary>
/// Runs ledger commands for HTTP: attributes them to the credential, honours Idempotency-Key
/// through the ledger itself, and maps refusals to problem documents. The response is rendered
/// inside the same transaction as the effect — a response that cannot be rendered rolls the write
/// back, so a committed change is always answered — and with a key it is stored with the key, so
/// a replay returns the original bytes.
/// </summary>
public sealed class LedgerGateway(CreditLedger ledger, TallyMetrics metrics, Hosting.DeductionLimits limits)
{
    public CreditLedger Ledger => ledger;

    public Task<BytesResult> RunAsync(HttpContext http, LedgerCommand command, SuccessResponse onSuccess, CancellationToken ct) =>
        RunAsync(http, [command], BatchMode.Atomic, outcome => RenderSingle(outcome.Single, onSuccess, Problems.TraceId(http)), ct);

    /// <summary>Runs commands as one request with a custom renderer (the batch endpoint).</summary>
    public async Task<BytesResult> RunAsync(HttpContext http, IReadOnlyList<LedgerCommand> commands, BatchMode mode, Func<RequestOutcome, StoredResponse> render, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        var (clientKey, problem) = IdempotencyKeys.Read(http);
        if (problem is not null)
        {
            return problem;
        }

        var actor = TallyClaims.CredentialOf(http.User) ?? Actors.System;
        RequestIdempotency? idempotency = null;
        if (clientKey is not null)
        {
            idempotency = RequestIdempotency.For(IdempotencyKeys.Scoped(http, actor, clientKey), commands, mode) with
            {
                ClientKey = clientKey,
            };
        }

        var request = new LedgerRequest(commands, mode, idempotency, actor) { Render = render };
        if (limits.TryAcquire(commands) is { } retryAfter)
        {
            // A retry of a request that already ran is answered as the first time, limit or not;
            // the stored answer is looked up only here, on the refusal path.
            var stored = idempotency is null ? null : await ledger.ExecuteAsync(request with { ReplayOnly = true }, ct);
            return stored is { Replayed: true, Response: { } replay }
                ? new BytesResult(replay.Status, replay.Body, replay.Status >= 400 ? Problems.ContentType : "application/json; charset=utf-8", replayed: true)
                : Hosting.RateLimits.Refusal(http, retryAfter);
        }

        var outcome = await ledger.ExecuteAsync(request, ct);
        metrics.Record(commands, outcome);
        var response = outcome.Response ?? render(outcome);
        return new BytesResult(response.Status, response.Body, response.Status >= 400 ? Problems.ContentType : "application/json; charset=utf-8", outcome.Replayed);
    }

    public static StoredResponse RenderSingle(LedgerOutcome outcome, SuccessResponse onSuccess, string traceId)
    {
        var (status, body) = Answer(outcome, onSuccess, traceId);
        return new StoredResponse(status, BytesResult.Json(status, body).Body);
    }

    /// <summary>What a command answers: the success's status and body, or its refusal's problem document.</summary>
    public static (int Status, object Body) Answer(LedgerOutcome outcome, SuccessResponse onSuccess, string traceId)
    {
        ArgumentNullException.ThrowIfNull(onSuccess);
        if (outcome is Success success)
        {
            return onSuccess(success);
        }

        var problem = Problems.FromFailure((Failure)outcome, traceId);
        return (problem.Status!.Value, problem);
    }
}
