namespace Tally.Ledger.Postgres;

public sealed partial class PostgresLedgerStore
{
    /// <summary>Months of journal partitions kept ready after the current one.</summary>
    public const int PartitionMonthsAhead = PgPartitions.DefaultMonthsAhead;

    /// <summary>
    /// Creates the journal partitions of <paramref name="now"/>'s month (UTC) and of the
    /// <paramref name="monthsAhead"/> months after it when missing, and moves rows that landed in
    /// the default partition into their month's (<see cref="PgPartitions"/>). Returns how many
    /// partitions it created. The server runs it at start and then every hour with its clock.
    /// </summary>
    public async Task<int> EnsurePartitionsAsync(DateTimeOffset now, int monthsAhead = PartitionMonthsAhead, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await PgPartitions.EnsureAsync(connection, now, monthsAhead, cancellationToken);
    }

    /// <summary>The journal's partitions (name and bound), the one from before partitioning first and the default last.</summary>
    public async Task<IReadOnlyList<(string Name, string Bound)>> ListPartitionsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await PgPartitions.ListAsync(connection, cancellationToken);
    }
}
