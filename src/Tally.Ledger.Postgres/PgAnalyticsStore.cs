using System.Data;
using Npgsql;
using Tally.Ledger.Analytics;
using Tally.Ledger.Relational;

namespace Tally.Ledger.Postgres;

/// <summary>
/// Analytics on PostgreSQL. The folds, resets and whole-table reads (rebuilds, tests, verification)
/// run on the primary; the reports' reads go to the read replica when there is one.
/// </summary>
public sealed partial class PostgresLedgerStore : IAnalyticsStore
{
    /// <summary>The unfolded entries of many accounts in one statement: (account, watermark, seq now) arrays.</summary>
    private const string LinesOfAccounts = "SELECT " + AnalyticsSql.LineColumns + """

        FROM unnest($1::uuid[], $2::bigint[], $3::bigint[]) AS t(account_id, lo, hi)
        JOIN entries e ON e.account_id = t.account_id AND e.seq > t.lo AND e.seq <= t.hi
        """;

    /// <summary>
    /// One fold, one transaction: the analytics_state row is locked first, so folds on two
    /// instances run one after the other and the second sees the first's watermarks.
    /// </summary>
    public async Task<FoldReport> FoldAsync(int maxAccounts, long keepFromDay, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAccounts, 1);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockState = new NpgsqlCommand("SELECT entries_folded FROM analytics_state WHERE id = 1 FOR UPDATE", connection, transaction))
        {
            await lockState.ExecuteScalarAsync(cancellationToken);
        }

        var candidates = new List<(Guid Account, long Seq, long Mark)>();
        await using (var command = new NpgsqlCommand(AnalyticsSql.Candidates, connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = maxAccounts });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                candidates.Add((reader.GetGuid(0), reader.GetInt64(1), reader.GetInt64(2)));
            }
        }

        var rollups = new RollupBatch();
        if (candidates.Count > 0)
        {
            await using var command = new NpgsqlCommand(LinesOfAccounts, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter { Value = candidates.Select(c => c.Account).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = candidates.Select(c => c.Mark).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = candidates.Select(c => c.Seq).ToArray() });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rollups.Add(AnalyticsSql.Line(reader, PgTime.Read));
            }
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var grain in Enum.GetValues<RollupGrain>())
        {
            foreach (var (key, sums) in rollups.Of(grain))
            {
                batch.BatchCommands.Add(BatchCommand(AnalyticsSql.UpsertOf(grain), AnalyticsSql.UpsertValues(grain, key, sums, id => id)));
            }
        }

        foreach (var (account, seq, _) in candidates)
        {
            batch.BatchCommands.Add(BatchCommand(AnalyticsSql.UpsertMark, account, seq));
        }

        var prune = BatchCommand(AnalyticsSql.Prune, keepFromDay);
        batch.BatchCommands.Add(prune);
        batch.BatchCommands.Add(BatchCommand(AnalyticsSql.AdvanceState, rollups.Lines, PgTime.ToDb(now)));
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new FoldReport(candidates.Count, rollups.Lines, prune.RecordsAffected);
    }

    public async Task ResetAnalyticsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockState = new NpgsqlCommand("SELECT entries_folded FROM analytics_state WHERE id = 1 FOR UPDATE", connection, transaction))
        {
            await lockState.ExecuteScalarAsync(cancellationToken);
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var sql in AnalyticsSql.Reset)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(sql));
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<long> CountUnfoldedAccountsAsync(CancellationToken cancellationToken) =>
        (await QueryAsync(AnalyticsSql.CountCandidates, r => r.GetInt64(0), cancellationToken))[0];

    public async Task<IReadOnlyList<RollupRow>> ReadRollupsAsync(CancellationToken cancellationToken)
    {
        var rows = new List<RollupRow>();
        rows.AddRange(await QueryAsync(AnalyticsSql.AllPlatformDaily, AnalyticsSql.PlatformRow, cancellationToken));
        rows.AddRange(await QueryAsync(AnalyticsSql.AllAccountDaily, AnalyticsSql.AccountDailyRow, cancellationToken));
        rows.AddRange(await QueryAsync(AnalyticsSql.AllAccountTotals, AnalyticsSql.AccountTotalRow, cancellationToken));
        return rows;
    }

    public async Task<IReadOnlyList<JournalLine>> ReadJournalLinesAsync(CancellationToken cancellationToken) =>
        await QueryAsync(AnalyticsSql.AllLines, r => AnalyticsSql.Line(r, PgTime.Read), cancellationToken);

    public async Task<IReadOnlyList<RollupRow>> ReadPlatformDailyAsync(long fromDay, long toDay, CancellationToken cancellationToken) =>
        await QueryReplicaAsync(AnalyticsSql.PlatformDaily, AnalyticsSql.PlatformRow, cancellationToken, fromDay, toDay);

    /// <summary>
    /// The totals and the tail after the watermark from one snapshot, so a fold between them neither
    /// hides nor doubles an entry (a replica's snapshot is one cut of the primary's too).
    /// </summary>
    public async Task<AccountAnalyticsData?> ReadAccountAnalyticsAsync(string externalId, CancellationToken cancellationToken)
    {
        await using var connection = await _readSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        if (await ScalarAsync(connection, transaction, AnalyticsSql.AccountIdOf, cancellationToken, externalId) is not Guid id)
        {
            return null;
        }

        var totals = await ReadAllAsync(connection, transaction, AnalyticsSql.TotalsOfAccount, AnalyticsSql.AccountTotalRow, cancellationToken, id);
        var mark = await ScalarAsync(connection, transaction, AnalyticsSql.MarkOf, cancellationToken, id) is long m ? m : 0;
        var tail = await ReadAllAsync(connection, transaction, AnalyticsSql.LinesOfAccount, r => AnalyticsSql.Line(r, PgTime.Read), cancellationToken, id, mark, long.MaxValue);
        await transaction.CommitAsync(cancellationToken);
        return new AccountAnalyticsData(externalId, totals, tail);
    }

    public async Task<IReadOnlyList<SpenderRow>> ReadTopSpendersAsync(long fromDay, long toDay, int limit, CancellationToken cancellationToken) =>
        await QueryReplicaAsync(AnalyticsSql.TopSpenders, AnalyticsSql.Spender, cancellationToken, fromDay, toDay, limit);

    public async Task<(IReadOnlyList<LiabilityRow> Rows, IReadOnlyList<LiabilityValue> Values)> ReadLiabilityAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = await QueryReplicaAsync(AnalyticsSql.Liability, AnalyticsSql.LiabilityOf, cancellationToken, PgTime.ToDb(now));
        var prices = await QueryReplicaAsync(AnalyticsSql.LiabilityPrices, AnalyticsSql.PriceGroup, cancellationToken, PgTime.ToDb(now));
        return (rows, AnalyticsSql.Values(prices));
    }

    public async Task<IReadOnlyList<RevenueRow>> ReadRevenueAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        await QueryReplicaAsync(AnalyticsSql.Revenue, r => AnalyticsSql.RevenueOf(r, PgTime.Read), cancellationToken, PgTime.ToDb(from), PgTime.ToDb(to));

    private static NpgsqlBatchCommand BatchCommand(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command;
    }

    private static async Task<List<T>> ReadAllAsync<T>(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(map(reader));
        }

        return rows;
    }
}
