using Microsoft.Extensions.Logging;
using Npgsql;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Postgres;

/// <summary>
/// One LISTEN connection per instance. Every write transaction NOTIFYs the accounts it changed
/// (see <c>PgWriter</c>), so a change made on any instance wakes listeners on all of them. The
/// notification is only a wake-up: listeners read the journal. Order on (re)connecting: LISTEN
/// first, then <see cref="IChangeListener.Resync"/>, so nothing committed in between is missed.
/// A silent connection is checked with a query every <see cref="IdleCheck"/>; a failed one is
/// replaced, with backoff from 100 ms to 5 s.
/// </summary>
internal sealed class PgChangeFeed(NpgsqlDataSource dataSource, ILogger logger)
{
    /// <summary>The listening session's <c>application_name</c>.</summary>
    public const string ApplicationName = "tally-changes";

    private static readonly TimeSpan IdleCheck = TimeSpan.FromSeconds(20);

    public async Task RunAsync(IChangeListener listener, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await ListenOnceAsync(listener, () => failures = 0, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException or InvalidOperationException)
            {
                var delay = (int)Math.Min(5000, 100 * Math.Pow(2, Math.Min(failures++, 6)));
                StoreLog.ChangeFeedLost(logger, StoreLog.Describe(e), delay);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task ListenOnceAsync(IChangeListener listener, Action connected, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        connection.Notification += (_, e) =>
        {
            var changes = ChangeMessages.Decode(e.Payload);
            if (changes.Count > 0)
            {
                listener.Changed(changes);
            }
        };

        try
        {
            // Named, so operators (and tests) can find it in pg_stat_activity.
            await using (var listen = new NpgsqlCommand($"SET application_name = '{ApplicationName}'; LISTEN {PgSql.ChangesChannel}", connection))
            {
                await listen.ExecuteNonQueryAsync(cancellationToken);
            }

            StoreLog.ChangeFeedListening(logger);
            connected();
            listener.Resync();
            while (true)
            {
                if (!await connection.WaitAsync(IdleCheck, cancellationToken))
                {
                    await using var ping = new NpgsqlCommand("SELECT 1", connection);
                    await ping.ExecuteScalarAsync(cancellationToken);
                }
            }
        }
        finally
        {
            // The connection goes back to a pool that does not reset sessions: stop listening first.
            if (connection.State == System.Data.ConnectionState.Open)
            {
                try
                {
                    await using var unlisten = new NpgsqlCommand("UNLISTEN *; RESET application_name", connection);
                    await unlisten.ExecuteNonQueryAsync(CancellationToken.None);
                }
                catch (NpgsqlException)
                {
                    // Broken: the pool discards it.
                }
            }
        }
    }
}
