using System.Data.Common;
using Tally.Ledger.Fraud;
using Tally.Ledger.Relational;

namespace Tally.Ledger.Sqlite;

/// <summary>Fraud flags on SQLite (docs/fraud.md): raised and cleared by the store's one writer.</summary>
public sealed partial class SqliteLedgerStore : IFraudStore
{
    private static readonly string SumConsumptionSql = FraudSql.SumConsumption("IN (SELECT value FROM json_each($1))");

    public Task<IReadOnlyList<ConsumptionTotal>> SumConsumptionAsync(IReadOnlyCollection<string> accounts, DateTimeOffset since, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        return ReadAsync<IReadOnlyList<ConsumptionTotal>>(session => ReadAll(session[SumConsumptionSql].Query(JsonArray(accounts), SqliteTime.ToMicros(since)), FraudSql.Total), cancellationToken);
    }

    private static readonly string ConsumptionAfterSql = FraudSql.ConsumptionAfter(
        "(SELECT n.value AS account, s.value AS after FROM json_each($1) n JOIN json_each($2) s ON s.key = n.key) w", "e.created_at / 60000000");

    public Task<IReadOnlyList<ConsumptionMinute>> ReadConsumptionAfterAsync(IReadOnlyList<(string Account, long AfterSeq)> accounts, DateTimeOffset since, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        return ReadAsync<IReadOnlyList<ConsumptionMinute>>(
            session => ReadAll(session[ConsumptionAfterSql].Query(JsonArray(accounts.Select(a => a.Account)), JsonArray(accounts.Select(a => a.AfterSeq)), SqliteTime.ToMicros(since)), FraudSql.Minute),
            cancellationToken);
    }

    public Task<IReadOnlyList<Guid>> ListConsumptionAsync(string account, string unit, DateTimeOffset since, int limit, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<Guid>>(session => ReadAll(session[FraudSql.ListConsumption].Query(account, unit, SqliteTime.ToMicros(since), limit), r => Guid.ParseExact(r.GetString(0), "N")), cancellationToken);

    public Task<IReadOnlyList<PaymentSignal>> ListPaymentSignalsAsync(DateTimeOffset since, int limit, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<PaymentSignal>>(session => ReadAll(session[FraudSql.ListPaymentSignals].Query(SqliteTime.ToMicros(since), limit), r => FraudSql.Signal(r, SqliteTime.Read)), cancellationToken);

    /// <summary>The flag and its outbox row in one transaction; nothing when an open flag of the kind exists.</summary>
    public Task<bool> RaiseFlagAsync(FraudFlag flag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(flag);
        return WithWriterAsync(session =>
        {
            using var transaction = session.Begin(write: true);
            var inserted = session[FraudSql.InsertFlag].Execute(FraudSql.Values(flag, Time)) == 1;
            if (inserted)
            {
                session[InsertOutboxEvent].Execute(FraudFlag.FlaggedEvent, FraudSql.Subject(flag), SqliteTime.ToMicros(flag.CreatedAt));
            }

            transaction.Commit();
            return inserted;
        });
    }

    public Task<FraudFlag?> LatestFlagAsync(string account, FraudKind kind, CancellationToken cancellationToken) =>
        ReadAsync(session => ReadAll(session[FraudSql.LatestFlag].Query(account, FraudFlag.Name(kind)), Flag).FirstOrDefault(), cancellationToken);

    public Task<FraudFlag?> FindFlagAsync(string id, CancellationToken cancellationToken) =>
        ReadAsync(session => ReadAll(session[FraudSql.FindFlag].Query(id), Flag).FirstOrDefault(), cancellationToken);

    public Task<IReadOnlyList<FraudFlag>> ListFlagsAsync(FraudFlagStatus? status, string? account, string? before, int limit, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<FraudFlag>>(session => ReadAll(session[FraudSql.ListFlags].Query(status is { } s ? FraudFlag.Name(s) : "", account ?? "", before ?? "", limit), Flag), cancellationToken);

    public async Task<FraudFlag?> ClearFlagAsync(string id, string actor, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await ExecuteWrite(FraudSql.ClearFlag, id, SqliteTime.ToMicros(now), actor, reason);
        return await FindFlagAsync(id, cancellationToken);
    }

    private static FraudFlag Flag(DbDataReader r) => FraudSql.Flag(r, SqliteTime.Read);
}
