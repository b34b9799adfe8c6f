using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Tally.TestSupport.Server;

/// <summary>
/// Keeps what a server logged at Error or above, and warnings that carry an exception (a background
/// pass that failed), so a test that sees a 500 can say why and a test can assert a quiet start.
/// </summary>
public sealed class ErrorLog : ILoggerProvider
{
    public ConcurrentQueue<string> Errors { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ErrorLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error || (logLevel == LogLevel.Warning && exception is not null))
            {
                log.Errors.Enqueue($"{category}: {formatter(state, exception)} {exception}");
            }
        }
    }
}
