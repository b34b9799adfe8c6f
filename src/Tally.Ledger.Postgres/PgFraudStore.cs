using Npgsql;
using Tally.Ledger.Fraud;
using Tally.Ledger.Relational;

namespace Tally.Ledger.Postgres;

/// <summary>
/// Fraud flags on PostgreSQL (docs/fraud.md). Two instances raising the same flag at once: the
/// partial unique index lets one INSERT through and the other does nothing, so one flag and one
/// event.
/// </summary>
public sealed partial class PostgresLedgerStore : IFraudStore
{
    private static readonly string SumConsumptionSql = FraudSql.SumConsumption("= ANY($1)");

    public async Task<IReadOnlyList<ConsumptionTotal>> SumConsumptionAsync(IReadOnlyCollection<string> accounts, DateTimeOffset since, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        return await QueryAsync(SumConsumptionSql, r => FraudSql.Total(r), cancellationToken, accounts.ToArray(), PgTime.ToDb(since));
    }

    private static readonly string ConsumptionAfterSql = FraudSql.ConsumptionAfter(
        "unnest($1::text[], $2::bigint[]) AS w(account, after)", "CAST(floor(extract(epoch FROM e.created_at) / 60) AS bigint)");

    public async Task<IReadOnlyList<ConsumptionMinute>> ReadConsumptionAfterAsync(IReadOnlyList<(string Account, long AfterSeq)> accounts, DateTimeOffset since, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        return await QueryAsync(
            ConsumptionAfterSql, r => FraudSql.Minute(r), cancellationToken,
            accounts.Select(a => a.Account).ToArray(), accounts.Select(a => a.AfterSeq).ToArray(), PgTime.ToDb(since));
    }

    public async Task<IReadOnlyList<Guid>> ListConsumptionAsync(string account, string unit, DateTimeOffset since, int limit, CancellationToken cancellationToken) =>
        await QueryAsync(FraudSql.ListConsumption, r => r.GetGuid(0), cancellationToken, account, unit, PgTime.ToDb(since), limit);

    public async Task<IReadOnlyList<PaymentSignal>> ListPaymentSignalsAsync(DateTimeOffset since, int limit, CancellationToken cancellationToken) =>
        await QueryAsync(FraudSql.ListPaymentSignals, r => FraudSql.Signal(r, PgTime.Read), cancellationToken, PgTime.ToDb(since), limit);

    /// <summary>The flag and its outbox row in one transaction; nothing when an open flag of the kind exists.</summary>
    public async Task<bool> RaiseFlagAsync(FraudFlag flag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(flag);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        int inserted;
        await using (var insert = Command(connection, transaction, FraudSql.InsertFlag, FraudSql.Values(flag, Time)))
        {
            inserted = await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        if (inserted == 1)
        {
            await using var outbox = Command(connection, transaction, InsertOutboxEvent, FraudFlag.FlaggedEvent, FraudSql.Subject(flag), PgTime.ToDb(flag.CreatedAt));
            await outbox.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return inserted == 1;
    }

    public async Task<FraudFlag?> LatestFlagAsync(string account, FraudKind kind, CancellationToken cancellationToken) =>
        (await QueryAsync(FraudSql.LatestFlag, Flag, cancellationToken, account, FraudFlag.Name(kind))).FirstOrDefault();

    public async Task<FraudFlag?> FindFlagAsync(string id, CancellationToken cancellationToken) =>
        (await QueryAsync(FraudSql.FindFlag, Flag, cancellationToken, id)).FirstOrDefault();

    public async Task<IReadOnlyList<FraudFlag>> ListFlagsAsync(FraudFlagStatus? status, string? account, string? before, int limit, CancellationToken cancellationToken) =>
        await QueryAsync(FraudSql.ListFlags, Flag, cancellationToken, status is { } s ? FraudFlag.Name(s) : "", account ?? "", before ?? "", limit);

    public async Task<FraudFlag?> ClearFlagAsync(string id, string actor, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await ExecuteAsync(FraudSql.ClearFlag, cancellationToken, id, PgTime.ToDb(now), actor, reason);
        return await FindFlagAsync(id, cancellationToken);
    }

    private static FraudFlag Flag(NpgsqlDataReader r) => FraudSql.Flag(r, PgTime.Read);
}
