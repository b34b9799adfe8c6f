using Microsoft.AspNetCore.Mvc;
using Tally.Ledger.Commands;
using Tally.Ledger.Outcomes;
using Tally.Server.Auth;
using Tally.Server.Http;

namespace Tally.Server.Features.Batch;

/// <summary>POST /v1/batch: up to 1,000 operations, atomic (all or none) or independent (each on its own).</summary>
public sealed record BatchRequest(string? Mode, IReadOnlyList<IBatchOperation>? Operations);

/// <summary>One result of a batch: the status and body the single endpoint would have answered.</summary>
public sealed record BatchResult(int Status, object Body);

public sealed record BatchResponse(IReadOnlyList<BatchResult> Results);

public static class BatchEndpoints
{
    public static void MapBatch(this RouteGroupBuilder v1)
    {
        // Each operation needs its own scope (grant: grant; charge, reserve, capture, release: charge),
        // checked below once the operations are known; the route itself only asks for an API key.
        v1.MapPost("/batch", BatchAsync).WithTags("Batch").RequireAuthorization(Policies.ApiKey)
            .Accepts<BatchRequest>("application/json")
            .WithSummary("Up to 1,000 grant/charge/reserve/capture/release operations; atomic answers the failing operation's problem with failedIndex");
    }

    private sealed record Parsed(int Index, LedgerCommand? Command, SuccessResponse Render, ProblemDetails? Refused);

    [Refusals(400, 402, 403, 413)]
    private static async Task<Answer<BatchResponse>> BatchAsync(HttpContext http, LedgerGateway gateway, CancellationToken ct)
    {
        var (body, problem) = await JsonBodyReader.ReadAsync<BatchRequest>(http, batch: true);
        if (problem is not null)
        {
            return problem;
        }

        var traceId = Problems.TraceId(http);
        var request = body!.Value;
        BatchMode mode;
        switch (request.Mode)
        {
            case "atomic": mode = BatchMode.Atomic; break;
            case "independent": mode = BatchMode.Independent; break;
            default: return Problems.Result(Problems.Validation(traceId, "mode", "must be \"atomic\" or \"independent\""));
        }

        var max = gateway.Ledger.Options.MaxBatchCommands;
        if (request.Operations is not { Count: > 0 } operations || operations.Count > max || operations.Any(o => o is null))
        {
            return Problems.Result(Problems.Validation(traceId, "operations", $"must be a list of 1–{max} operations"));
        }

        // Each operation needs its own scope; a key without one is refused before anything else
        // is said about the operations' fields.
        var needed = operations.Select(o => o.RequiredScope()).ToHashSet(StringComparer.Ordinal);
        if (needed.Any(scope => !TallyClaims.HasScope(http.User, scope)))
        {
            return Problems.Result(http, StatusCodes.Status403Forbidden, "forbidden", $"the batch needs the scopes: {string.Join(", ", needed.Order(StringComparer.Ordinal))}");
        }

        var parsed = new List<Parsed>(operations.Count);
        foreach (var operation in operations)
        {
            var fields = new Fields(gateway.Ledger);
            var command = await operation.ToCommandAsync(fields, ct);
            var refused = fields.Ok ? null : Problems.Validation(traceId,
                fields.Errors.ToDictionary(e => $"operations[{parsed.Count}].{e.Key}", e => e.Value, StringComparer.Ordinal));
            parsed.Add(new Parsed(parsed.Count, refused is null ? command : null, operation.Response(), refused));
        }

        var firstRefused = parsed.FirstOrDefault(p => p.Refused is not null);
        if (mode == BatchMode.Atomic && firstRefused is not null)
        {
            return Problems.Result(AtomicFailure(firstRefused.Refused!, firstRefused.Index));
        }

        var runnable = parsed.Where(p => p.Command is not null).ToList();
        if (runnable.Count == 0)
        {
            return BytesResult.Json(200, Compose(parsed, []));
        }

        return await gateway.RunAsync(http, runnable.Select(p => p.Command!).ToList(), mode, outcome =>
        {
            if (outcome.FailedIndex is { } failed)
            {
                var problem = AtomicFailure(Problems.FromFailure((Failure)outcome.Results[failed], traceId), runnable[failed].Index);
                return new StoredResponse(problem.Status!.Value, Problems.Serialize(problem));
            }

            var results = runnable.Select((p, i) => (p.Index, Answer: LedgerGateway.Answer(outcome.Results[i], p.Render, traceId)));
            return new StoredResponse(200, BytesResult.Json(200, Compose(parsed, results.ToDictionary(r => r.Index, r => new BatchResult(r.Answer.Status, r.Answer.Body)))).Body);
        }, ct);
    }

    private static BatchResponse Compose(List<Parsed> parsed, Dictionary<int, BatchResult> ran) =>
        new(parsed.Select(p => p.Refused is { } refused ? new BatchResult(refused.Status!.Value, refused) : ran[p.Index]).ToList());

    /// <summary>An atomic batch that failed answers the failing operation's problem, plus failedIndex.</summary>
    private static ProblemDetails AtomicFailure(ProblemDetails problem, int index)
    {
        problem.Extensions["failedIndex"] = index;
        return problem;
    }
}
