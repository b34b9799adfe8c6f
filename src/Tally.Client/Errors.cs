using System.Net;
using System.Text.Json;

namespace Tally.Client;

/// <summary>
/// Tally answered with a problem document. <c>Code</c> is the stable error code (docs/api.md, "Errors")
/// (<c>insufficient_credits</c>, <c>account_frozen</c>, <c>idempotency_conflict</c>, …).
/// Subclasses cover the answers callers usually handle.
/// </summary>
public class TallyApiException : Exception
{
    public TallyApiException()
    {
    }

    public TallyApiException(string message)
        : base(message)
    {
    }

    public TallyApiException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public TallyApiException(HttpStatusCode status, string code, string? detail, string? traceId, JsonElement problem)
        : base($"Tally answered {(int)status} {code}: {detail}")
    {
        Status = status;
        Code = code;
        Detail = detail;
        TraceId = traceId;
        Problem = problem;
    }

    public HttpStatusCode Status { get; }
    public string Code { get; } = "";
    public string? Detail { get; }
    public string? TraceId { get; }

    /// <summary>The whole problem document.</summary>
    public JsonElement Problem { get; }
}

/// <summary>402: the account cannot pay. <c>Available</c> is what this charge could have spent.</summary>
public sealed class TallyInsufficientCreditsException(HttpStatusCode status, string code, string? detail, string? traceId, JsonElement problem)
    : TallyApiException(status, code, detail, traceId, problem)
{
    public decimal Available => Problem.TryGetProperty("available", out var v) ? v.GetDecimal() : 0;
    public decimal Required => Problem.TryGetProperty("required", out var v) ? v.GetDecimal() : 0;
}

/// <summary>423: the account is frozen.</summary>
public sealed class TallyAccountFrozenException(HttpStatusCode status, string code, string? detail, string? traceId, JsonElement problem)
    : TallyApiException(status, code, detail, traceId, problem);

/// <summary>409: an idempotency key reused for a different request, or a state that forbids the call.</summary>
public sealed class TallyConflictException(HttpStatusCode status, string code, string? detail, string? traceId, JsonElement problem)
    : TallyApiException(status, code, detail, traceId, problem);

/// <summary>429: slow down; retry after <c>RetryAfter</c>.</summary>
public sealed class TallyRateLimitedException(HttpStatusCode status, string code, string? detail, string? traceId, JsonElement problem, TimeSpan? retryAfter)
    : TallyApiException(status, code, detail, traceId, problem)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>400: a field was refused. <c>Errors</c> maps field names to reasons.</summary>
public sealed class TallyValidationException(HttpStatusCode status, string code, string? detail, string? traceId, JsonElement problem)
    : TallyApiException(status, code, detail, traceId, problem)
{
    public IReadOnlyDictionary<string, string[]> Errors =>
        Problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object
            ? errors.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(m => m.GetString() ?? "").ToArray())
            : new Dictionary<string, string[]>();
}

/// <summary>404: no such account, hold or entry.</summary>
public sealed class TallyNotFoundException(HttpStatusCode status, string code, string? detail, string? traceId, JsonElement problem)
    : TallyApiException(status, code, detail, traceId, problem);

/// <summary>Tally could not be reached, or kept failing after retries (network, timeout, 5xx).</summary>
public sealed class TallyUnavailableException : Exception
{
    public TallyUnavailableException()
    {
    }

    public TallyUnavailableException(string message)
        : base(message)
    {
    }

    public TallyUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
