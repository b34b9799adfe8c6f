using Npgsql;

namespace Tally.TestSupport.Postgres;

/// <summary>
/// A throwaway Citus cluster on loopback: a coordinator and two workers, each its own PostgreSQL
/// 15 cluster in a temp directory (<c>shared_preload_libraries='citus'</c>, fsync off like the
/// shared test cluster), started as the <c>postgres</c> user when running as root. Shared lazily
/// per process and removed when the process exits. Needs Citus installed into the machine's
/// PostgreSQL (<c>../shared/vendor/citus/install.sh</c>); <see cref="IsInstalled"/> says whether it is,
/// so tests skip instead of failing where it is not.
/// </summary>
public sealed class CitusCluster : IAsyncDisposable
{
    private const string Prefix = "tally-test-citus-";
    private const int Workers = 2;
    private static readonly Lazy<Task<CitusCluster>> Shared = new(() => StartAsync(durable: false, spareWorkers: 0));
    private readonly string _root;
    private readonly string[] _nodes;
    private readonly int[] _ports;
    private readonly List<int> _spare;
    private int _databases;

    private CitusCluster(string root, string[] nodes, int[] ports, int spareWorkers)
    {
        _root = root;
        _nodes = nodes;
        _ports = ports;
        _spare = [.. Enumerable.Range(1 + Workers, spareWorkers)];
    }

    /// <summary>Whether the Citus extension is installed into the PostgreSQL the tests use.</summary>
    public static bool IsInstalled =>
        File.Exists(Path.Combine(PgServer.Bin, "..", "lib", "citus.so")) &&
        File.Exists("/usr/share/postgresql/15/extension/citus.control");

    /// <summary>The reason Citus tests skip on this machine, or null when they can run.</summary>
    public static string? SkipReason => IsInstalled ? null : "Citus is not installed (run ../shared/vendor/citus/install.sh as root)";

    /// <summary>The coordinator's port (where Tally connects).</summary>
    public int CoordinatorPort => _ports[0];

    /// <summary>The ports of the workers added to every new database (not the spare ones).</summary>
    public IReadOnlyList<int> WorkerPorts => _ports[1..(1 + Workers)];

    /// <summary>The cluster this process shares; started on first use.</summary>
    public static Task<CitusCluster> SharedAsync() => Shared.Value;

    /// <summary>
    /// A cluster of the caller's own (dispose to remove it): a coordinator, two workers and
    /// <paramref name="spareWorkers"/> more that run and have every database (with the extension)
    /// but are not yet part of it — <see cref="AddSpareWorkerAsync"/> adds one, for rebalancing.
    /// With spare workers every node logs logically (<c>wal_level=logical</c>: Citus moves shards
    /// by logical replication). <paramref name="durable"/> keeps PostgreSQL's durable defaults
    /// (fsync, synchronous commit, full-page writes), for benchmarks beside <see cref="PgServer.DurableAsync"/>.
    /// </summary>
    public static Task<CitusCluster> StartPrivateAsync(bool durable = false, int spareWorkers = 0) => StartAsync(durable, spareWorkers);

    /// <summary>
    /// Adds the next spare worker to <paramref name="database"/> (the coordinator's connection
    /// string from <see cref="CreateDatabaseAsync"/>): <c>citus_add_node</c>. It holds no shards
    /// until a rebalance moves some there. Returns its port.
    /// </summary>
    public async Task<int> AddSpareWorkerAsync(string database)
    {
        int port;
        lock (_spare)
        {
            if (_spare.Count == 0)
            {
                throw new InvalidOperationException("no spare worker left: start the cluster with more (StartPrivateAsync)");
            }

            port = _ports[_spare[0]];
            _spare.RemoveAt(0);
        }

        var name = new NpgsqlConnectionStringBuilder(database).Database;
        await PgCommands.ExecuteAsync(ConnectionString(CoordinatorPort, name!), $"SELECT citus_add_node('127.0.0.1', {port})", timeoutSeconds: 120);
        return port;
    }

    /// <summary>A connection string to <paramref name="database"/> on the node listening on <paramref name="port"/>.</summary>
    public static string ConnectionString(int port, string database, bool pooling = false) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Database = database,
            Username = "postgres",
            Pooling = pooling,
            MaxPoolSize = 80,
        }.ConnectionString;

    /// <summary>
    /// A new database on every node (spare workers included) with the citus extension in each,
    /// the coordinator's host set and both workers added: ready for <c>create_distributed_table</c>.
    /// Returns the coordinator's connection string.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string purpose)
    {
        var name = $"tally_citus_{purpose}_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}".ToLowerInvariant();
        // Spare workers get the database too: citus_add_node needs the extension there.
        foreach (var port in _ports)
        {
            await PgCommands.ExecuteAsync(ConnectionString(port, "postgres"), $"CREATE DATABASE \"{name}\"", timeoutSeconds: 120);
            await PgCommands.ExecuteAsync(ConnectionString(port, name), "CREATE EXTENSION citus", timeoutSeconds: 120);
        }

        var coordinator = ConnectionString(_ports[0], name);
        await PgCommands.ExecuteAsync(coordinator, $"SELECT citus_set_coordinator_host('127.0.0.1', {_ports[0]})", timeoutSeconds: 120);
        foreach (var port in WorkerPorts)
        {
            await PgCommands.ExecuteAsync(coordinator, $"SELECT citus_add_node('127.0.0.1', {port})", timeoutSeconds: 120);
        }

        // Citus plans a distributed query with parameters per call (custom plans); the generic
        // plans the store asks PostgreSQL for by default cannot be distributed (docs/scaling.md).
        return new NpgsqlConnectionStringBuilder(ConnectionString(_ports[0], name, pooling: true)) { Options = "-c plan_cache_mode=auto" }.ConnectionString;
    }

    /// <summary>Stops the servers and deletes their files.</summary>
    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    private static async Task<CitusCluster> StartAsync(bool durable, int spareWorkers)
    {
        if (!IsInstalled)
        {
            throw new InvalidOperationException(SkipReason);
        }

        RemoveAbandonedClusters();
        var root = Directory.CreateTempSubdirectory(Prefix).FullName;
        if (PgServer.AsRoot)
        {
            PgServer.Run("chown", ["postgres:postgres", root], asPostgres: false);
        }

        string[] nodes = ["coordinator", .. Enumerable.Range(1, Workers + spareWorkers).Select(i => $"worker{i}")];
        var ports = new int[nodes.Length];
        var cluster = new CitusCluster(root, nodes, ports, spareWorkers);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Stop();
        PgServer.RemoveWhenThisProcessEnds(root, nodes.Select(n => Path.Combine(root, n)));
        var settings = (durable
                ? "-c shared_buffers=128MB -c max_wal_size=8GB -c min_wal_size=1GB -c checkpoint_timeout=30min"
                : "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=64MB") +
            // Shard moves copy by logical replication: a slot and a subscription per move, run by
            // background workers of the rebalancer.
            (spareWorkers > 0 ? " -c wal_level=logical -c max_worker_processes=32 -c max_replication_slots=32 -c max_wal_senders=32" : "");
        try
        {
            for (var i = 0; i < nodes.Length; i++)
            {
                var data = Path.Combine(root, nodes[i]);
                PgServer.Run($"{PgServer.Bin}/initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], PgServer.AsRoot);
                ports[i] = PgServer.FreePort();
                // Each node serves the coordinator's connections to it as well as clients: workers
                // need room for the coordinator's pooled shard connections; two-phase commit needs
                // prepared transactions.
                var options = $"-p {ports[i]} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=300 " +
                              $"-c shared_preload_libraries=citus -c max_prepared_transactions=300 {settings} " +
                              // Four shards per table, not 32: tests make many small databases.
                              "-c citus.shard_count=4";
                PgServer.Run("bash", ["-c", PgServer.CloseInheritedFiles, $"{PgServer.Bin}/pg_ctl", "-D", data, "-l", Path.Combine(root, nodes[i] + ".log"), "-w", "-t", "60", "-o", options, "start"], PgServer.AsRoot);
            }

            if (durable)
            {
                // As PgServer.DurableAsync does, log segments ready for reuse on every node.
                foreach (var port in ports)
                {
                    await PgServer.PrefillWalAsync(ConnectionString(port, "postgres"), segments: 64);
                }
            }
        }
        catch
        {
            cluster.Stop();
            throw;
        }

        return cluster;
    }

    /// <summary>Clusters earlier processes left behind: stopped ones older than ten minutes (see <see cref="PgServer"/>).</summary>
    private static void RemoveAbandonedClusters()
    {
        foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), Prefix + "*"))
        {
            try
            {
                if (Directory.GetLastWriteTimeUtc(directory) > DateTime.UtcNow.AddMinutes(-10) ||
                    Directory.EnumerateDirectories(directory).Any(n => PgServer.IsRunning(Path.Combine(n, "postmaster.pid"))))
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

    private void Stop()
    {
        if (!Directory.Exists(_root))
        {
            return;
        }

        // All three at once: the test host gives exit handlers little time.
        Parallel.ForEach(_nodes, node =>
        {
            var data = Path.Combine(_root, node);
            if (!File.Exists(Path.Combine(data, "postmaster.pid")))
            {
                return;
            }

            try
            {
                PgServer.Run($"{PgServer.Bin}/pg_ctl", ["-D", data, "-m", "immediate", "-w", "-t", "30", "stop"], PgServer.AsRoot);
            }
            catch (InvalidOperationException)
            {
                // Already gone; the directory is removed below either way.
            }
        });

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort; a later process removes what is left (RemoveAbandonedClusters).
        }
    }
}
