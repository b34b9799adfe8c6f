using System.Diagnostics;
using Npgsql;

namespace Tally.TestSupport.Postgres;

/// <summary>
/// A primary and its hot standby on loopback, for read-replica tests: a private primary
/// (<c>wal_level=replica</c>), a copy of it made with <c>pg_basebackup -R</c> (which writes
/// <c>standby.signal</c> and the <c>primary_conninfo</c> to stream from), started on a free port as
/// a hot standby. Dispose stops both and removes their files.
/// </summary>
public sealed class PgStandby : IAsyncDisposable
{
    private const string Prefix = "tally-test-pg-standby-"; // under PgServer's prefix, so an abandoned one is removed with its clusters
    private readonly string _root;
    private readonly int _port;

    private PgStandby(PgServer primary, string root, int port)
    {
        Primary = primary;
        _root = root;
        _port = port;
    }

    /// <summary>The primary (writes go here; its databases appear on the standby).</summary>
    public PgServer Primary { get; }

    /// <summary>Starts both; returns once the standby accepts read-only connections.</summary>
    public static async Task<PgStandby> StartAsync()
    {
        var primary = await PgServer.StartPrimaryAsync();
        var primaryPort = new NpgsqlConnectionStringBuilder(primary.AdminConnectionString).Port;
        var root = Directory.CreateTempSubdirectory(Prefix).FullName;
        try
        {
            if (PgServer.AsRoot)
            {
                PgServer.Run("chown", ["postgres:postgres", root], asPostgres: false);
            }

            var data = Path.Combine(root, "data");
            PgServer.Run($"{PgServer.Bin}/pg_basebackup", ["-h", "127.0.0.1", "-p", primaryPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", "-D", data, "-R", "-X", "stream", "-c", "fast", "--no-sync"], PgServer.AsRoot);
            var port = PgServer.FreePort();
            // pg_ctl -w returns when the standby is ready: for a hot standby, accepting read-only
            // connections. A hot standby needs max_connections at least the primary's (PgServer's 400).
            PgServer.Run("bash", ["-c", PgServer.CloseInheritedFiles, $"{PgServer.Bin}/pg_ctl", "-D", data, "-l", Path.Combine(root, "pg.log"), "-w", "-t", "60", "-o", $"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=400 -c hot_standby=on -c fsync=off", "start"], PgServer.AsRoot);
            var standby = new PgStandby(primary, root, port);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => standby.Stop();
            PgServer.RemoveWhenThisProcessEnds(root, [data]);
            return standby;
        }
        catch (InvalidOperationException e)
        {
            var log = Path.Combine(root, "pg.log");
            var reason = File.Exists(log) ? File.ReadAllText(log) : "";
            await primary.DisposeAsync();
            Directory.Delete(root, recursive: true);
            throw new InvalidOperationException($"{e.Message}\nstandby log:\n{reason}", e);
        }
    }

    /// <summary>A new database on the primary, once the standby has it too; returns the primary's connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string purpose)
    {
        var database = await Primary.CreateDatabaseAsync(purpose);
        await CatchUpAsync();
        return database;
    }

    /// <summary><paramref name="primaryDatabase"/>'s database on the standby.</summary>
    public string StandbyOf(string primaryDatabase) =>
        new NpgsqlConnectionStringBuilder(primaryDatabase) { Port = _port }.ConnectionString;

    /// <summary>Stops applying the log (it still arrives): the standby's data stays as it is now.</summary>
    public Task PauseReplayAsync() => OnStandbyAsync("SELECT pg_wal_replay_pause()");

    public Task ResumeReplayAsync() => OnStandbyAsync("SELECT pg_wal_replay_resume()");

    /// <summary>
    /// Returns once the standby has applied everything the primary had written when called. Polls
    /// the replay position; the deadline is only a safety net against a broken standby.
    /// </summary>
    public async Task CatchUpAsync()
    {
        string target;
        await using (var primary = new NpgsqlConnection(Primary.AdminConnectionString))
        {
            await primary.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT pg_current_wal_lsn()::text", primary);
            target = (string)(await command.ExecuteScalarAsync())!;
        }

        await using var standby = new NpgsqlConnection(StandbyOf(Primary.AdminConnectionString));
        await standby.OpenAsync();
        await using var replayed = new NpgsqlCommand("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", standby) { Parameters = { new() { Value = target } } };
        var deadline = Stopwatch.StartNew();
        while (!(bool)(await replayed.ExecuteScalarAsync())!)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"the standby did not replay up to {target} in 60 s");
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Stop();
        await Primary.DisposeAsync();
    }

    private async Task OnStandbyAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(StandbyOf(Primary.AdminConnectionString));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private void Stop()
    {
        if (!Directory.Exists(_root))
        {
            return;
        }

        try
        {
            PgServer.Run($"{PgServer.Bin}/pg_ctl", ["-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop"], PgServer.AsRoot);
        }
        catch (InvalidOperationException)
        {
            // Already gone; the directory is removed below either way.
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
