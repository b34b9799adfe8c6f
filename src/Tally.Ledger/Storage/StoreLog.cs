using Microsoft.Extensions.Logging;

namespace Tally.Ledger.Storage;

/// <summary>
/// What the ledger and its stores log (event ids 3xxx): retries, in-doubt commits and group
/// fallbacks. Never connection strings or parameter values.
/// </summary>
public static partial class StoreLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "Write transaction conflicted ({Reason}); running it again (attempt {Attempt})")]
    public static partial void RetryingConflict(ILogger logger, string reason, int attempt);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Database failed before the commit was sent ({Error}); nothing was written, running it again (attempt {Attempt})")]
    public static partial void RetryingUnavailable(ILogger logger, string error, int attempt);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Connection failed while committing ({Error}); looking up commit marker {Marker}")]
    public static partial void CommitInDoubt(ILogger logger, string error, string marker);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "In-doubt commit {Marker} resolved: {Resolution}")]
    public static partial void CommitResolved(ILogger logger, string marker, string resolution);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "In-doubt commit {Marker} could not be resolved ({Error}); its callers are told the outcome is unknown")]
    public static partial void CommitUnresolved(ILogger logger, string marker, string error);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "A group transaction of {Requests} requests failed ({Error}); running each request alone")]
    public static partial void GroupFallback(ILogger logger, int requests, string error);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Error, Message = "Database unavailable; giving up after {Attempts} attempts ({Error})")]
    public static partial void GaveUp(ILogger logger, int attempts, string error);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "A checkpoint after a commit failed ({Error}); it is tried again later")]
    public static partial void CheckpointFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning, Message = "Lost the change notifications' connection ({Error}); reconnecting in {Delay} ms, then live streams read their journals again")]
    public static partial void ChangeFeedLost(ILogger logger, string error, int delay);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "Listening for changes committed by any instance")]
    public static partial void ChangeFeedListening(ILogger logger);

    /// <summary>An exception's type and message, one line (no stack, no inner connection details).</summary>
    public static string Describe(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return $"{e.GetType().Name}: {e.Message}";
    }
}
