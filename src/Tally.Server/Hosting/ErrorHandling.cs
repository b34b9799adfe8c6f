using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Data.Sqlite;
using Npgsql;
using Tally.Ledger.Storage;
using Tally.Server.Http;

namespace Tally.Server.Hosting;

/// <summary>
/// The last line: exceptions become problem documents. Bad HTTP framing is the client's (4xx); a
/// database that cannot be reached is 503 unavailable with Retry-After — with
/// <c>outcomeUnknown: true</c> when a write's commit was cut off and could not be resolved;
/// anything else is a bug, logged once with its trace id, and answers 500 without internals.
/// </summary>
public sealed partial class TallyExceptionHandler(ILogger<TallyExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (httpContext.Response.HasStarted)
        {
            return false;
        }

        var (status, code, detail) = exception switch
        {
            BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge =>
                (StatusCodes.Status413PayloadTooLarge, "payload_too_large", "the body is too large"),
            BadHttpRequestException bad => (bad.StatusCode is >= 400 and < 500 ? bad.StatusCode : 400, "malformed_request", bad.Message),
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested => (499, "canceled", "the client went away"),
            CommitOutcomeUnknownException => (StatusCodes.Status503ServiceUnavailable, "unavailable",
                "the connection to the database failed while this write was committing, so it may or may not have taken effect; a retry with the same Idempotency-Key is safe (it returns the first outcome if there was one)"),
            StoreUnavailableException => (StatusCodes.Status503ServiceUnavailable, "unavailable", "the database is unavailable and nothing was written; retry later"),
            _ when IsUnavailable(exception) => (StatusCodes.Status503ServiceUnavailable, "unavailable", "the database is unreachable; retry later"),
            _ => (StatusCodes.Status500InternalServerError, "internal_error", "an unexpected error; it has been logged with this trace id"),
        };

        if (status == StatusCodes.Status500InternalServerError)
        {
            Unhandled(logger, Problems.TraceId(httpContext), exception);
        }
        else if (status == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = "1";
            Unavailable(logger, exception.GetType().Name, exception.Message);
        }

        if (status == 499)
        {
            return true;
        }

        var extensions = status == StatusCodes.Status503ServiceUnavailable
            ? new Dictionary<string, object?> { ["outcomeUnknown"] = exception is CommitOutcomeUnknownException }
            : null;
        await Problems.Result(httpContext, status, code, detail, extensions).ExecuteAsync(httpContext);
        return true;
    }

    private static bool IsUnavailable(Exception e) => e switch
    {
        // The server's own words that it is going away or not there yet (operator intervention,
        // connection trouble, too many connections), or a session-ending error; anything else a
        // statement raised is a bug.
        PostgresException p => p.SqlState.StartsWith("57", StringComparison.Ordinal) || p.SqlState.StartsWith("08", StringComparison.Ordinal)
            || p.SqlState.StartsWith("53", StringComparison.Ordinal) || p.InvariantSeverity is "FATAL" or "PANIC",
        NpgsqlException => true,
        SqliteException s => s.SqliteErrorCode is SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED or SQLitePCL.raw.SQLITE_IOERR or SQLitePCL.raw.SQLITE_CANTOPEN or SQLitePCL.raw.SQLITE_FULL,
        SocketException or TimeoutException => true,
        _ => e.InnerException is { } inner && IsUnavailable(inner),
    };

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Unhandled error (trace {TraceId})")]
    private static partial void Unhandled(ILogger logger, string traceId, Exception exception);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Database unavailable: {Kind}: {Message}")]
    private static partial void Unavailable(ILogger logger, string kind, string message);
}
