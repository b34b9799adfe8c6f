using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Server.Auth;
using Tally.Server.Contracts;
using Tally.Server.Features.Charges;
using Tally.Server.Features.Grants;
using Tally.Server.Features.Holds;
using Tally.Server.Http;

namespace Tally.Server.Features.Batch;

/// <summary>POST /v1/batch: up to 1,000 operations, atomic (all or none) or independent (each on its own).</summary>
public sealed record BatchRequest(string? Mode, JsonElement? Operations);

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
            .Accepts<BatchRequest>("application/json").Produces<BatchResponse>()
            .ProducesProblem(400).ProducesProblem(402).ProducesProblem(403).ProducesProblem(413)
            .WithSummary("Up to 1,000 grant/charge/reserve/capture/release operations; atomic answers the failing operation's problem with failedIndex");
    }

    private sealed record Parsed(int Index, LedgerCommand? Command, SuccessResponse Render, ProblemDetails? Refused);

    /// <summary>Each operation: the member that names its target (what its single endpoint takes from the path) and the scope it needs.</summary>
    private static readonly Dictionary<string, (string Target, string Scope)> Operations = new(StringComparer.Ordinal)
    {
        ["grant"] = ("account", Scopes.Grant),
        ["charge"] = ("account", Scopes.Charge),
        ["reserve"] = ("account", Scopes.Charge),
        ["capture"] = ("holdId", Scopes.Charge),
        ["release"] = ("holdId", Scopes.Charge),
    };

    private static async Task<IResult> BatchAsync(HttpContext http, LedgerGateway gateway, CancellationToken ct)
    {
        var (body, problem) = await Requests.BodyAsync<BatchRequest>(http, batch: true);
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
        if (request.Operations is not { ValueKind: JsonValueKind.Array } operations || operations.GetArrayLength() is 0 || operations.GetArrayLength() > max)
        {
            return Problems.Result(Problems.Validation(traceId, "operations", $"must be a list of 1–{max} operations"));
        }

        // The operations' kinds first: each needs its own scope, and a key without it is refused
        // before anything else is said about the request.
        var kinds = new List<string>();
        foreach (var element in operations.EnumerateArray())
        {
            var index = kinds.Count;
            if (element.ValueKind != JsonValueKind.Object)
            {
                return Problems.Result(Problems.Malformed(traceId, $"operations[{index}] must be a JSON object"));
            }

            if (!element.TryGetProperty("op", out var op) || op.ValueKind != JsonValueKind.String || !Operations.ContainsKey(op.GetString()!))
            {
                return Problems.Result(Problems.Validation(traceId, $"operations[{index}].op", "must be one of grant, charge, reserve, capture, release"));
            }

            kinds.Add(op.GetString()!);
        }

        var needed = kinds.Select(k => Operations[k].Scope).ToHashSet(StringComparer.Ordinal);
        if (needed.Any(scope => !TallyClaims.HasScope(http.User, scope)))
        {
            return Problems.Result(http, StatusCodes.Status403Forbidden, "forbidden", $"the batch needs the scopes: {string.Join(", ", needed.Order(StringComparer.Ordinal))}");
        }

        var parsed = new List<Parsed>();
        var position = 0;
        foreach (var element in operations.EnumerateArray())
        {
            var (op, refusal) = await ParseAsync(gateway, element, kinds[position], position, traceId, ct);
            if (refusal is not null)
            {
                return refusal;
            }

            parsed.Add(op!);
            position++;
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

    /// <summary>
    /// One operation: <c>op</c>, its target (<c>account</c> or <c>holdId</c>, a string) and the
    /// members of its single endpoint's body — anything else is refused as an unknown field.
    /// </summary>
    private static async Task<(Parsed? Op, IResult? Problem)> ParseAsync(LedgerGateway gateway, JsonElement element, string op, int index, string traceId, CancellationToken ct)
    {
        var prefix = $"operations[{index}].";
        var targetName = Operations[op].Target;
        string? target = null;
        if (element.TryGetProperty(targetName, out var targetElement) && targetElement.ValueKind != JsonValueKind.Null)
        {
            if (targetElement.ValueKind != JsonValueKind.String)
            {
                return (null, Problems.Result(Problems.Validation(traceId, prefix + targetName, "must be a string")));
            }

            target = targetElement.GetString();
        }

        string[] extra = ["op", targetName];
        var fields = new Fields(gateway.Ledger);
        LedgerCommand? command;
        SuccessResponse render;
        IResult? problem;
        switch (op)
        {
            case "grant":
                (command, problem) = await BindAsync<GrantRequest>(element, traceId, prefix, extra, async r => RequireAccount(target, fields) is { } a ? await r.ToCommandAsync(a, fields, ct) : null);
                render = Responses.Entry;
                break;
            case "charge":
                (command, problem) = await BindAsync<ChargeRequest>(element, traceId, prefix, extra, async r => RequireAccount(target, fields) is { } a ? await r.ToCommandAsync(a, fields, ct) : null);
                render = Responses.Entry;
                break;
            case "reserve":
                (command, problem) = await BindAsync<HoldRequest>(element, traceId, prefix, extra, async r => RequireAccount(target, fields) is { } a ? await r.ToCommandAsync(a, fields, ct) : null);
                render = Responses.Reserved;
                break;
            case "capture":
                (command, problem) = await BindAsync<CaptureRequest>(element, traceId, prefix, extra, r => ValueTask.FromResult<LedgerCommand?>(
                    RequireHold(target, fields) is { } h ? new Capture(h, r.Amount) : null));
                render = Responses.HoldChanged;
                break;
            default:
                (command, problem) = await BindAsync<ReleaseRequest>(element, traceId, prefix, extra, _ => ValueTask.FromResult<LedgerCommand?>(
                    RequireHold(target, fields) is { } h ? new Release(h) : null));
                render = Responses.HoldChanged;
                break;
        }

        if (problem is not null)
        {
            return (null, problem);
        }

        if (!fields.Ok)
        {
            var errors = fields.Errors.ToDictionary(e => prefix + e.Key, e => e.Value, StringComparer.Ordinal);
            var refused = Problems.Validation(traceId, errors);
            return (new Parsed(index, null, render, refused), null);
        }

        return (new Parsed(index, command, render, null), null);
    }

    private static async Task<(LedgerCommand? Command, IResult? Problem)> BindAsync<T>(JsonElement element, string traceId, string prefix, string[] extra, Func<T, ValueTask<LedgerCommand?>> convert)
    {
        var (value, _, problem) = JsonBodyReader.Bind<T>(element, traceId, prefix, extra);
        return problem is not null ? (null, problem) : (await convert(value!), null);
    }

    private static string? RequireAccount(string? account, Fields fields)
    {
        if (string.IsNullOrEmpty(account))
        {
            fields.Add("account", "is required");
        }

        return account;
    }

    private static Guid? RequireHold(string? holdId, Fields fields)
    {
        if (LedgerIds.TryParseHold(holdId, out var id))
        {
            return id;
        }

        fields.Add("holdId", "must be a hold id (hold_…)");
        return null;
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
