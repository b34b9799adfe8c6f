using Tally.Ledger.Storage;

namespace Tally.Server.Features.Events;

/// <summary>The change feed for background services whose wake-ups are an optimisation (they poll too).</summary>
internal static class ChangeFeedListening
{
    /// <summary>
    /// Listens until <paramref name="stoppingToken"/> fires; a feed that fails is reported to
    /// <paramref name="failed"/> and not rethrown, so the service carries on polling without it.
    /// </summary>
    public static async Task ListenUntilStoppedAsync(this ILedgerStore store, IChangeListener listener, Action<Exception> failed, CancellationToken stoppingToken)
    {
        try
        {
            await store.ListenAsync(listener, stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            failed(e);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }
}
