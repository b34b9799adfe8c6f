using Tally.Ledger.Analytics;
using Tally.Ledger.Relational;

namespace Tally.Ledger.Sqlite;

public sealed partial class SqliteLedgerStore : IAnalyticsStore
{
    /// <summary>One fold, one write transaction under the store's single writer.</summary>
    public Task<FoldReport> FoldAsync(int maxAccounts, long keepFromDay, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAccounts, 1);
        return WithWriterAsync(session =>
        {
            using var transaction = session.Begin(write: true);
            var candidates = ReadAll(session[AnalyticsSql.Candidates].Query(maxAccounts), r => (Account: r.GetGuid(0), Seq: r.GetInt64(1), Mark: r.GetInt64(2)));
            var rollups = new RollupBatch();
            foreach (var (account, seq, mark) in candidates)
            {
                foreach (var line in ReadAll(session[AnalyticsSql.LinesOfAccount].Query(account, mark, seq), r => AnalyticsSql.Line(r, SqliteTime.Read)))
                {
                    rollups.Add(line);
                }
            }

            foreach (var grain in Enum.GetValues<RollupGrain>())
            {
                var upsert = session[AnalyticsSql.UpsertOf(grain)];
                foreach (var (key, sums) in rollups.Of(grain))
                {
                    upsert.Execute(AnalyticsSql.UpsertValues(grain, key, sums, id => id));
                }
            }

            foreach (var (account, seq, _) in candidates)
            {
                session[AnalyticsSql.UpsertMark].Execute(account, seq);
            }

            var pruned = session[AnalyticsSql.Prune].Execute(keepFromDay);
            session[AnalyticsSql.AdvanceState].Execute(rollups.Lines, SqliteTime.ToMicros(now));
            transaction.Commit();
            return new FoldReport(candidates.Count, rollups.Lines, pruned);
        });
    }

    public Task ResetAnalyticsAsync(CancellationToken cancellationToken) =>
        WithWriterAsync(session =>
        {
            using var transaction = session.Begin(write: true);
            foreach (var sql in AnalyticsSql.Reset)
            {
                session[sql].Execute();
            }

            transaction.Commit();
            return 0;
        });

    public Task<long> CountUnfoldedAccountsAsync(CancellationToken cancellationToken) =>
        ReadAsync(session => (long)session[AnalyticsSql.CountCandidates].Scalar()!, cancellationToken);

    public Task<IReadOnlyList<RollupRow>> ReadRollupsAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<RollupRow>>(session =>
        [
            .. ReadAll(session[AnalyticsSql.AllPlatformDaily].Query(), AnalyticsSql.PlatformRow),
            .. ReadAll(session[AnalyticsSql.AllAccountDaily].Query(), AnalyticsSql.AccountDailyRow),
            .. ReadAll(session[AnalyticsSql.AllAccountTotals].Query(), AnalyticsSql.AccountTotalRow),
        ], cancellationToken);

    public Task<IReadOnlyList<JournalLine>> ReadJournalLinesAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<JournalLine>>(session => ReadAll(session[AnalyticsSql.AllLines].Query(), r => AnalyticsSql.Line(r, SqliteTime.Read)), cancellationToken);

    public Task<IReadOnlyList<RollupRow>> ReadPlatformDailyAsync(long fromDay, long toDay, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<RollupRow>>(session => ReadAll(session[AnalyticsSql.PlatformDaily].Query(fromDay, toDay), AnalyticsSql.PlatformRow), cancellationToken);

    /// <summary>The totals and the tail after the watermark from one read transaction (one snapshot).</summary>
    public Task<AccountAnalyticsData?> ReadAccountAnalyticsAsync(string externalId, CancellationToken cancellationToken) =>
        ReadAsync(session =>
        {
            if (session[AnalyticsSql.AccountIdOf].Scalar(externalId) is not string hex)
            {
                return null;
            }

            var id = Guid.ParseExact(hex, "N");
            var totals = ReadAll(session[AnalyticsSql.TotalsOfAccount].Query(id), AnalyticsSql.AccountTotalRow);
            var mark = session[AnalyticsSql.MarkOf].Scalar(id) is long m ? m : 0;
            var tail = ReadAll(session[AnalyticsSql.LinesOfAccount].Query(id, mark, long.MaxValue), r => AnalyticsSql.Line(r, SqliteTime.Read));
            return new AccountAnalyticsData(externalId, totals, tail);
        }, cancellationToken);

    public Task<IReadOnlyList<SpenderRow>> ReadTopSpendersAsync(long fromDay, long toDay, int limit, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<SpenderRow>>(session => ReadAll(session[AnalyticsSql.TopSpenders].Query(fromDay, toDay, limit), AnalyticsSql.Spender), cancellationToken);

    public Task<(IReadOnlyList<LiabilityRow> Rows, IReadOnlyList<LiabilityValue> Values)> ReadLiabilityAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        ReadAsync<(IReadOnlyList<LiabilityRow>, IReadOnlyList<LiabilityValue>)>(session =>
        {
            var micros = SqliteTime.ToMicros(now);
            var rows = ReadAll(session[AnalyticsSql.Liability].Query(micros), AnalyticsSql.LiabilityOf);
            var prices = ReadAll(session[AnalyticsSql.LiabilityPrices].Query(micros), AnalyticsSql.PriceGroup);
            return (rows, AnalyticsSql.Values(prices));
        }, cancellationToken);

    public Task<IReadOnlyList<RevenueRow>> ReadRevenueAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<RevenueRow>>(session =>
            ReadAll(session[AnalyticsSql.Revenue].Query(SqliteTime.ToMicros(from), SqliteTime.ToMicros(to)), r => AnalyticsSql.RevenueOf(r, SqliteTime.Read)), cancellationToken);
}
