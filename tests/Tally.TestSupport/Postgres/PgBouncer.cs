using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Npgsql;

namespace Tally.TestSupport.Postgres;

/// <summary>
/// Debian's pgbouncer in transaction pooling mode on a free loopback port, in front of a
/// <see cref="PgServer"/> (every database, trust authentication), run by this process and stopped
/// by <see cref="DisposeAsync"/>. As root it runs as <c>postgres</c> (pgbouncer refuses root).
/// </summary>
public sealed class PgBouncer : IAsyncDisposable
{
    private const string Binary = "/usr/sbin/pgbouncer";
    private readonly Process _process;
    private readonly string _root;

    private PgBouncer(Process process, string root, int port)
    {
        _process = process;
        _root = root;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Whether Debian's pgbouncer is installed (<c>apt-get install pgbouncer</c>; .ci/run does).</summary>
    public static bool Installed => File.Exists(Binary);

    /// <summary>Starts pgbouncer before <paramref name="server"/>; returns once it accepts connections.</summary>
    public static async Task<PgBouncer> StartAsync(PgServer server, string poolMode = "transaction")
    {
        ArgumentNullException.ThrowIfNull(server);
        if (!Installed)
        {
            throw new InvalidOperationException($"{Binary} is missing: install Debian's pgbouncer (apt-get install -y pgbouncer; .ci/run does)");
        }

        var target = new NpgsqlConnectionStringBuilder(server.AdminConnectionString);
        var root = Directory.CreateTempSubdirectory("tally-test-pgbouncer-").FullName;
        var port = PgServer.FreePort();
        var ini = Path.Combine(root, "pgbouncer.ini");
        File.WriteAllText(Path.Combine(root, "users.txt"), $"\"{target.Username}\" \"\"\n");
        File.WriteAllText(ini, string.Create(CultureInfo.InvariantCulture, $"""
            [databases]
            * = host={target.Host} port={target.Port}

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = {port}
            unix_socket_dir =
            auth_type = trust
            auth_file = {root}/users.txt
            pool_mode = {poolMode}
            max_client_conn = 500
            default_pool_size = 20
            logfile = {root}/pgbouncer.log
            """));
        if (PgServer.AsRoot)
        {
            PgServer.Run("chown", ["-R", "postgres:postgres", root], asPostgres: false);
        }

        var start = new ProcessStartInfo(PgServer.AsRoot ? "runuser" : Binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in PgServer.AsRoot ? ["-u", "postgres", "--", Binary, "-q", ini] : new[] { "-q", ini })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start pgbouncer");
        var bouncer = new PgBouncer(process, root, port);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => bouncer.Stop();
        try
        {
            await bouncer.WaitUntilListeningAsync();
        }
        catch
        {
            await bouncer.DisposeAsync();
            throw;
        }

        return bouncer;
    }

    /// <summary><paramref name="database"/> (a connection string to the server behind) through pgbouncer, with <paramref name="extra"/> appended.</summary>
    public string Through(string database, string extra = "") =>
        new NpgsqlConnectionStringBuilder(database) { Port = Port }.ConnectionString + (extra.Length > 0 ? ";" + extra : "");

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    /// <summary>Polls for the listening socket; the deadline is only a safety net against a pgbouncer that cannot start.</summary>
    private async Task WaitUntilListeningAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"pgbouncer exited ({_process.ExitCode}): {await _process.StandardError.ReadToEndAsync()}{Log()}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(20);
            }
        }
    }

    private string Log() => File.Exists(Path.Combine(_root, "pgbouncer.log")) ? File.ReadAllText(Path.Combine(_root, "pgbouncer.log")) : "";

    private void Stop()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _process.Dispose();
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
