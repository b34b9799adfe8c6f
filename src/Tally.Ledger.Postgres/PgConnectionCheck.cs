using Npgsql;

namespace Tally.Ledger.Postgres;

/// <summary>Which of the store's connections a <see cref="PgConnectionProblem"/> is about.</summary>
public enum PgConnectionRole
{
    Primary,
    Read,
    Listen,
}

/// <summary>A connection the store cannot work through, and what to change.</summary>
public sealed record PgConnectionProblem(PgConnectionRole Role, string Problem);

/// <summary>
/// The start-up check of every connection (docs/operations.md, "pgbouncer"). A transaction-pooling
/// pgbouncer is recognised by what it refuses: a startup packet carrying <c>options</c>
/// ("unsupported startup parameter"), which PostgreSQL itself always accepts. Through one, Tally
/// needs auto-preparation off (pgbouncer before 1.21 cannot keep a session's prepared statements)
/// and LISTEN on a direct connection (notifications go to a session, which transaction pooling
/// hands to the next client as soon as a statement ends).
/// </summary>
public sealed partial class PostgresLedgerStore
{
    /// <summary>What is wrong with the connections, none when the store can run on them. A primary that cannot be reached throws.</summary>
    public async Task<IReadOnlyList<PgConnectionProblem>> CheckConnectionsAsync(CancellationToken cancellationToken)
    {
        var problems = new List<PgConnectionProblem>();
        if (_connections is not { } connections)
        {
            return problems;
        }

        var primaryPooled = await IsPoolerAsync(connections.Primary, cancellationToken);
        if (primaryPooled && !PgConnectionString.TurnsOffAutoPrepare(connections.Primary))
        {
            problems.Add(new(PgConnectionRole.Primary, "goes through a connection pooler (pgbouncer refused the startup parameter 'options'): add 'Max Auto Prepare=0' to it, since a transaction pooler cannot keep prepared statements"));
        }

        if (connections.Listen is { } listen)
        {
            if (await IsPoolerAsync(listen, cancellationToken))
            {
                problems.Add(new(PgConnectionRole.Listen, "goes through a connection pooler too: it must connect to PostgreSQL directly (or through a session-mode pool), since LISTEN needs a session of its own"));
            }
        }
        else if (primaryPooled)
        {
            problems.Add(new(PgConnectionRole.Listen, "is needed: TALLY_DATABASE goes through a connection pooler, where LISTEN cannot work; set it to a direct connection string to the PostgreSQL primary for the change feed"));
        }

        if (connections.Read is not null && await ReadFailureAsync(cancellationToken) is { } failure)
        {
            problems.Add(new(PgConnectionRole.Read, IsPoolerRefusal(failure)
                ? "goes through a connection pooler (pgbouncer refused the startup parameter 'options'): add 'Max Auto Prepare=0' to it"
                : $"does not answer ({failure.Message})"));
        }

        return problems;
    }

    /// <summary>Why the read replica cannot run a query, or null when it can.</summary>
    private async Task<NpgsqlException?> ReadFailureAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var command = _readSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return null;
        }
        catch (NpgsqlException e)
        {
            return e;
        }
    }

    /// <summary>Whether a connection with the <c>options</c> startup parameter is refused the way pgbouncer refuses it.</summary>
    private static async Task<bool> IsPoolerAsync(string connectionString, CancellationToken cancellationToken)
    {
        var probe = new NpgsqlConnectionStringBuilder(PgConnectionString.Normalize(connectionString))
        {
            Options = "-c plan_cache_mode=force_generic_plan",
            Pooling = false,
        };
        await using var connection = new NpgsqlConnection(probe.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return false;
        }
        catch (NpgsqlException e) when (IsPoolerRefusal(e))
        {
            return true;
        }
    }

    private static bool IsPoolerRefusal(NpgsqlException e) =>
        e is PostgresException { SqlState: PostgresErrorCodes.ProtocolViolation } refusal
        && refusal.MessageText.StartsWith("unsupported startup parameter", StringComparison.Ordinal);
}
