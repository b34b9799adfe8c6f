using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Tally.Ledger.Outcomes;

namespace Tally.Server.Http;

/// <summary>
/// The one place errors become RFC 7807 documents with Tally's stable <c>code</c>s (docs/api.md).
/// Every document carries <c>code</c> and <c>traceId</c>; validation errors carry <c>errors</c>.
/// </summary>
public static class Problems
{
    public const string ContentType = "application/problem+json";

    public static ProblemDetails Create(int status, string code, string? detail, string traceId, IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails
        {
            Type = $"https://tally.dev/errors/{code}",
            Title = Title(code),
            Status = status,
            Detail = detail,
        };
        problem.Extensions["code"] = code;
        problem.Extensions["traceId"] = traceId;
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions)
            {
                problem.Extensions[key] = value;
            }
        }

        return problem;
    }

    public static ProblemDetails Validation(string traceId, string field, string message) =>
        Validation(traceId, new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemDetails Validation(string traceId, IDictionary<string, string[]> errors)
    {
        var first = errors.First();
        return Create(StatusCodes.Status400BadRequest, "validation_failed", $"{first.Key} {first.Value[0]}", traceId,
            new Dictionary<string, object?> { ["errors"] = errors });
    }

    public static ProblemDetails Malformed(string traceId, string detail) =>
        Create(StatusCodes.Status400BadRequest, "malformed_request", detail, traceId);

    /// <summary>The problem for a refused ledger command.</summary>
    public static ProblemDetails FromFailure(Failure failure, string traceId) => failure switch
    {
        InsufficientCredits f => Create(StatusCodes.Status402PaymentRequired, "insufficient_credits",
            $"needs {f.Unit.ToDecimal(f.Required)} {f.Unit.Key}, {f.Unit.ToDecimal(f.Available)} available", traceId,
            new Dictionary<string, object?> { ["available"] = f.Unit.ToDecimal(f.Available), ["required"] = f.Unit.ToDecimal(f.Required), ["unit"] = f.Unit.Key }),
        AccountFrozen f => Create(StatusCodes.Status423Locked, "account_frozen", $"account {f.Account} is frozen", traceId),
        NotFound f => Create(StatusCodes.Status404NotFound, "not_found", $"no {f.What} '{f.Id}'", traceId),
        InvalidState f => Create(StatusCodes.Status409Conflict, "invalid_state", f.Detail, traceId),
        Invalid f => Validation(traceId, f.Field, f.Message),
        IdempotencyConflict f => Create(StatusCodes.Status409Conflict, "idempotency_conflict",
            $"Idempotency-Key '{f.Key}' was used with a different request", traceId),
        _ => throw new System.Diagnostics.UnreachableException($"Unmapped failure {failure.GetType().Name}"),
    };

    public static byte[] Serialize(ProblemDetails problem) => JsonSerializer.SerializeToUtf8Bytes(problem, TallyJson.Options);

    public static BytesResult Result(ProblemDetails problem) =>
        new BytesResult(problem.Status ?? 500, Serialize(problem), ContentType);

    public static BytesResult Result(HttpContext http, int status, string code, string? detail, IDictionary<string, object?>? extensions = null) =>
        Result(Create(status, code, detail, TraceId(http), extensions));

    public static string TraceId(HttpContext http) =>
        System.Diagnostics.Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier;

    private static string Title(string code) => code switch
    {
        "insufficient_credits" => "Insufficient credits",
        "account_frozen" => "Account frozen",
        "idempotency_conflict" => "Idempotency key reused",
        "invalid_state" => "Invalid state",
        "validation_failed" => "Validation failed",
        "malformed_request" => "Malformed request",
        "unsupported_media_type" => "Unsupported media type",
        "payload_too_large" => "Payload too large",
        "rate_limited" => "Too many requests",
        "not_found" => "Not found",
        "unauthorized" => "Unauthorized",
        "forbidden" => "Forbidden",
        "unavailable" => "Service unavailable",
        "method_not_allowed" => "Method not allowed",
        _ => "Internal error",
    };
}

/// <summary>An answer whose body is already bytes: rendered once, stored for idempotent replay, written as is.</summary>
public sealed class BytesResult(int status, byte[] body, string contentType, bool replayed = false) : IResult
{
    public int Status { get; } = status;

    public byte[] Body { get; } = body;

    /// <summary>
    /// What an idempotent replay of this answer sends, when it differs from <see cref="Body"/>: an
    /// answer carrying a secret (a new API key, a client token) is stored with the secret null,
    /// so no secret is ever kept in clear.
    /// </summary>
    public byte[]? ReplayBody { get; init; }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.StatusCode = Status;
        if (replayed)
        {
            httpContext.Response.Headers["Idempotent-Replayed"] = "true";
        }

        // 204 and 304 carry no body, not even an empty one with a type and a length.
        if (Status is StatusCodes.Status204NoContent or StatusCodes.Status304NotModified)
        {
            return;
        }

        httpContext.Response.ContentType = contentType;
        httpContext.Response.ContentLength = Body.Length;
        await httpContext.Response.Body.WriteAsync(Body);
    }

    public static BytesResult Json(int status, object body, bool replayed = false) =>
        new(status, JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), TallyJson.Options), "application/json; charset=utf-8", replayed);

    /// <summary>An answer carrying a secret: sent as <paramref name="body"/>, replayed as <paramref name="redacted"/> (the secret null).</summary>
    public static BytesResult JsonWithSecret(int status, object body, object redacted)
    {
        ArgumentNullException.ThrowIfNull(redacted);
        var json = Json(status, body);
        return new BytesResult(status, json.Body, "application/json; charset=utf-8")
        {
            ReplayBody = JsonSerializer.SerializeToUtf8Bytes(redacted, redacted.GetType(), TallyJson.Options),
        };
    }

    /// <summary>204 No Content.</summary>
    public static BytesResult NoContent() => new(StatusCodes.Status204NoContent, [], "");
}
