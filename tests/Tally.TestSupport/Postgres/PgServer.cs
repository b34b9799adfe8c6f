using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Tally.TestSupport.Postgres;

/// <summary>
/// The PostgreSQL server tests run against: <c>TALLY_TEST_PG</c> (a connection string to a server
/// whose user may create databases) when set, else a throwaway cluster this process starts in a
/// temp directory on a free loopback port and removes when it exits. As root the cluster runs as
/// the <c>postgres</c> user (PostgreSQL refuses to run as root). Each fixture gets its own database.
/// </summary>
public sealed class PgServer : IAsyncDisposable
{
    private const string DefaultBin = "/usr/lib/postgresql/15/bin";
    private const string Prefix = "tally-test-pg-";
    private static readonly Lazy<Task<PgServer>> Shared = new(() => StartAsync(durable: false));
    private static readonly Lazy<Task<PgServer>> Durable = new(() => StartAsync(durable: true));
    private readonly string? _root;
    private int _databases;

    private readonly string _options = "";

    private PgServer(string adminConnectionString, string? root, string options = "")
    {
        AdminConnectionString = adminConnectionString;
        _root = root;
        _options = options;
    }

    /// <summary>A connection string to the server's maintenance database.</summary>
    public string AdminConnectionString { get; }

    public static Task<PgServer> SharedAsync() => Shared.Value;

    /// <summary>
    /// A cluster with PostgreSQL's durable defaults (fsync, synchronous commit, full page writes),
    /// for benchmarks: tests trade durability for speed, measurements must not. Checkpoints are
    /// spaced by 8 GB of log or 30 minutes (the usual write-heavy tuning; the default 1 GB put one
    /// in the middle of whichever run came last, its page images in every commit's log write).
    /// </summary>
    public static Task<PgServer> DurableAsync() => Durable.Value;

    /// <summary>A new empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string purpose)
    {
        var name = $"tally_{purpose}_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}".ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = true, MaxPoolSize = 80 }.ConnectionString;
    }

    /// <summary>
    /// A cluster of the caller's own (never <c>TALLY_TEST_PG</c>), for tests that stop or restart
    /// the server: fsync off for speed, but every commit written to the operating system before it
    /// is acknowledged (<c>synchronous_commit=on</c>), so a crash of PostgreSQL alone loses nothing
    /// acknowledged. Dispose to remove it.
    /// </summary>
    public static Task<PgServer> StartPrivateAsync() =>
        StartClusterAsync("-c fsync=off -c full_page_writes=off -c synchronous_commit=on", durable: false);

    /// <summary>
    /// A private cluster that streams its write-ahead log to standbys (<c>wal_level=replica</c>;
    /// initdb's pg_hba.conf already lets loopback connections replicate), for <see cref="PgStandby"/>.
    /// </summary>
    internal static Task<PgServer> StartPrimaryAsync() =>
        StartClusterAsync("-c fsync=off -c full_page_writes=off -c synchronous_commit=on -c wal_level=replica -c max_wal_senders=4", durable: false);

    private static Task<PgServer> StartAsync(bool durable)
    {
        if (Environment.GetEnvironmentVariable("TALLY_TEST_PG") is { Length: > 0 } given)
        {
            return Task.FromResult(new PgServer(given, null));
        }

        return StartClusterAsync(
            durable ? "-c shared_buffers=256MB -c max_wal_size=8GB -c min_wal_size=2GB -c checkpoint_timeout=30min" : "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            durable);
    }

    private static async Task<PgServer> StartClusterAsync(string settings, bool durable)
    {
        var bin = Bin;
        RemoveAbandonedClusters();
        var root = Directory.CreateTempSubdirectory(Prefix).FullName;
        var data = Path.Combine(root, "data");
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            Run("chown", ["postgres:postgres", root], asPostgres: false);
        }

        Run($"{bin}/initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], asRoot);
        var port = FreePort();
        var options = $"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=400 {settings}";
        Run("bash", ["-c", CloseInheritedFiles, $"{bin}/pg_ctl", "-D", data, "-l", Path.Combine(root, "pg.log"), "-w", "-t", "60", "-o", options, "start"], asRoot);
        var server = new PgServer($"Host=127.0.0.1;Port={port};Database=postgres;Username=postgres;Pooling=false", root, options);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        RemoveWhenThisProcessEnds(root, [data]);
        if (durable)
        {
            await PrefillWalAsync(server.AdminConnectionString);
        }

        return server;
    }

    /// <summary>
    /// Crashes the cluster's server (<c>pg_ctl stop -m immediate</c>: every backend killed, no
    /// shutdown checkpoint), as a power cut of the database alone would; <see cref="Start"/> brings
    /// it back (crash recovery runs then).
    /// </summary>
    public void Crash() => Run($"{Bin}/pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "60", "stop"], AsRoot);

    /// <summary>Starts the cluster's server again after <see cref="Crash"/>.</summary>
    public void Start() =>
        Run($"{Bin}/pg_ctl", ["-D", DataDirectory, "-l", Path.Combine(_root!, "pg.log"), "-w", "-t", "60", "-o", _options, "start"], AsRoot);

    private string DataDirectory => Path.Combine(_root ?? throw new InvalidOperationException("only a cluster this process started can be stopped"), "data");

    /// <summary>Stops the cluster and deletes its files (a cluster of this process's own only).</summary>
    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    internal static string Bin => Environment.GetEnvironmentVariable("TALLY_PG_BIN") ?? DefaultBin;

    internal static bool AsRoot => Environment.UserName == "root";

    /// <summary>
    /// Leaves <paramref name="segments"/> write-ahead log segments of 16 MB (2 GB by default) ready for reuse, as on a server that has been
    /// running a while. A new cluster has none: each 16 MB segment is created (zero-filled and
    /// synced) when the log first reaches it, and every commit waits meanwhile — 15–45 ms stalls,
    /// about one a second at benchmark load, that a running server never sees (it recycles its
    /// old segments at each checkpoint, up to <c>min_wal_size</c>).
    /// </summary>
    internal static async Task PrefillWalAsync(string connectionString, int segments = 128)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $$"""
            DO $$
            BEGIN
                FOR i IN 1..{{segments}} LOOP
                    PERFORM pg_logical_emit_message(false, 'tally-prefill', 'x');
                    PERFORM pg_switch_wal();
                END LOOP;
            END $$;
            CHECKPOINT;
            """, connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Deletes clusters earlier processes left behind (a test host killed before its exit handler
    /// finished): stopped ones (no live postmaster) older than ten minutes, so a cluster another
    /// process is creating or running right now is never touched.
    /// </summary>
    private static void RemoveAbandonedClusters()
    {
        foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), Prefix + "*"))
        {
            try
            {
                if (Directory.GetLastWriteTimeUtc(directory) > DateTime.UtcNow.AddMinutes(-10) || IsRunning(Path.Combine(directory, "data", "postmaster.pid")))
                {
                    continue;
                }

                Directory.Delete(directory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Someone else's or in use: leave it.
            }
        }
    }

    internal static bool IsRunning(string pidFile)
    {
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid))
        {
            return false;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private void Stop()
    {
        if (_root is null || !Directory.Exists(_root))
        {
            return;
        }

        try
        {
            Run($"{Bin}/pg_ctl", ["-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop"], AsRoot);
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

    /// <summary>
    /// <c>bash -c</c> prefix that closes every inherited descriptor above stderr, then runs its
    /// arguments: a server started through it never holds a file of the test host's (such as the
    /// shared build lock) after the host is gone.
    /// </summary>
    internal const string CloseInheritedFiles =
        "for f in /proc/self/fd/*; do n=${f##*/}; [ \"$n\" -gt 2 ] 2>/dev/null && eval \"exec $n>&-\"; done; exec \"$0\" \"$@\"";

    /// <summary>
    /// Stops the servers of <paramref name="dataDirectories"/> and deletes <paramref name="root"/>
    /// once this process has ended, however it ends: a test host that vstest kills never runs its
    /// exit handlers, and its clusters used to outlive it. A detached watcher with no inherited
    /// files polls for this process's id (it waits for an exit; no test waits on it).
    /// </summary>
    internal static void RemoveWhenThisProcessEnds(string root, IEnumerable<string> dataDirectories)
    {
        var runAs = AsRoot ? "runuser -u postgres -- " : "";
        var stops = string.Concat(dataDirectories.Select(d => $"{runAs}'{Bin}/pg_ctl' -D '{d}' -m immediate -w -t 30 stop; "));
        var watch = $"exec 0</dev/null 1>/dev/null 2>&1; while kill -0 {Environment.ProcessId}; do sleep 2; done; {stops}rm -rf '{root}'";
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var a in new[] { "bash", "-c", CloseInheritedFiles, "bash", "-c", watch })
        {
            start.ArgumentList.Add(a);
        }

        using var watcher = Process.Start(start) ?? throw new InvalidOperationException("could not start the cluster's watcher");
    }

    internal static void Run(string file, string[] args, bool asPostgres)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres)
        {
            foreach (var a in new[] { "-u", "postgres", "--", file })
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} timed out");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} failed ({process.ExitCode}): {output.Result}{error.Result}");
        }
    }

    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
