using Npgsql;
using Shouldly;
using Tally.Ledger.Relational;
using Tally.Ledger.Storage;
using Tally.TestSupport.Conformance;
using Tally.TestSupport.Postgres;
using static Tally.TestSupport.Postgres.PgCommands;

namespace Tally.Ledger.Postgres.Tests;

/// <summary>
/// The journal range-partitioned by month (migration 0014, docs/operations.md "Journal
/// partitions"): an 0013 database converts in place, partitions are created ahead on the caller's
/// clock, rows land in their UTC month (or the default partition, whose rows the next maintenance
/// moves), every partition stays append-only, and a history query bounded in time reads only the
/// months it names. Dates are in the 2030s so that the real clock's months (which the migration
/// prepares) never interfere.
/// </summary>
public sealed class JournalPartitionTests
{
    private static readonly DateTimeOffset March2031 = new(2031, 3, 10, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Migrating_an_0013_database_with_entries_keeps_every_row_in_place_and_verifies_clean()
    {
        var database = await (await PgServer.SharedAsync()).CreateDatabaseAsync("partition-convert");
        await using (var connection = await OpenAsync(database))
        {
            await PgMigrator.MigrateAsync(connection, CancellationToken.None, through: 13);
        }

        await using var store = new PostgresLedgerStore(database);
        var t = new TestLedger(store, start: March2031.AddMonths(-2));
        var accounts = new List<string>();
        for (var month = 0; month < 3; month++)
        {
            if (month > 0)
            {
                t.Clock.Advance(TimeSpan.FromDays(31));
            }

            for (var i = 0; i < 4; i++)
            {
                var id = await t.NewAccountAsync(100);
                accounts.Add(id);
                await t.ChargeAsync(id, 7);
            }

            await t.ChargeAsync(accounts[0], 1);
        }

        var before = await FingerprintAsync(database);
        before.Rows.ShouldBeGreaterThan(20);

        (await store.MigrateAsync(CancellationToken.None)).ShouldBe(1);

        (await FingerprintAsync(database)).ShouldBe(before);
        await using (var connection = await OpenAsync(database))
        {
            // The old table became the first partition, bounded by the month after its newest entry.
            (await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM ONLY entries_legacy")).ShouldBe(before.Rows);
            (await ScalarAsync<string>(connection, "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'entries_legacy'"))
                .ShouldBe("FOR VALUES FROM (MINVALUE) TO ('2031-04-01 00:00:00+00')");
            (await ScalarAsync<bool>(connection, "SELECT relkind = 'p' FROM pg_class WHERE relname = 'entries'")).ShouldBeTrue();
        }

        // Writing goes on: into the old table until its bound, then (after maintenance) into April's.
        var late = accounts[^1];
        await t.ChargeAsync(late, 1);
        t.Clock.Advance(TimeSpan.FromDays(31));
        await t.ChargeAsync(late, 1);
        await using (var connection = await OpenAsync(database))
        {
            (await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM entries_default")).ShouldBe(1);
        }

        (await store.EnsurePartitionsAsync(t.Clock.GetUtcNow())).ShouldBe(1 + PostgresLedgerStore.PartitionMonthsAhead);
        await using (var connection = await OpenAsync(database))
        {
            (await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM entries_default")).ShouldBe(0);
            (await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM entries_2031_04")).ShouldBe(1);
        }

        (await t.EntriesAsync(late)).Count.ShouldBe(4);
        await t.ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Maintenance_creates_the_current_month_and_the_months_ahead_on_the_callers_clock_once()
    {
        await using var store = await NewStoreAsync("partition-ahead");
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2032, 11, 20, 8, 0, 0, TimeSpan.Zero));

        (await store.EnsurePartitionsAsync(clock.GetUtcNow())).ShouldBe(4);
        (await store.EnsurePartitionsAsync(clock.GetUtcNow())).ShouldBe(0);
        var names = (await store.ListPartitionsAsync(CancellationToken.None)).Select(p => p.Name).ToList();
        names[0].ShouldBe("entries_legacy");
        names[^1].ShouldBe("entries_default");
        names.ShouldContain("entries_2032_11");
        names.ShouldContain("entries_2033_02");
        names.ShouldNotContain("entries_2033_03");

        clock.Advance(TimeSpan.FromDays(15));
        (await store.EnsurePartitionsAsync(clock.GetUtcNow())).ShouldBe(1);
        (await store.ListPartitionsAsync(CancellationToken.None)).ShouldContain(p => p.Name == "entries_2033_03"
            && p.Bound == "FOR VALUES FROM ('2033-03-01 00:00:00+00') TO ('2033-04-01 00:00:00+00')");
    }

    [Fact]
    public async Task Months_are_UTC_months_whatever_the_session_time_zone_and_boundary_rows_land_in_their_month()
    {
        var database = await (await PgServer.SharedAsync()).CreateDatabaseAsync("partition-boundary");
        await using (var migrating = new PostgresLedgerStore(database))
        {
            await migrating.MigrateAsync(CancellationToken.None);
        }

        await using var connection = await OpenAsync(database);
        // Late on 31 January in UTC is already February in Berlin, and Berlin's clocks move in March.
        await ExecuteAsync(connection, "SET TIME ZONE 'Europe/Berlin'; SELECT tally_ensure_entry_partitions('2032-01-31 23:30:00+00', 3)");
        await ExecuteAsync(connection, "SET TIME ZONE 'UTC'");
        (await ScalarAsync<string>(connection, "SELECT string_agg(relname || ' ' || pg_get_expr(relpartbound, oid), E'\\n' ORDER BY relname) FROM pg_class WHERE relname LIKE 'entries_2032%'"))
            .ShouldBe("""
                entries_2032_01 FOR VALUES FROM ('2032-01-01 00:00:00+00') TO ('2032-02-01 00:00:00+00')
                entries_2032_02 FOR VALUES FROM ('2032-02-01 00:00:00+00') TO ('2032-03-01 00:00:00+00')
                entries_2032_03 FOR VALUES FROM ('2032-03-01 00:00:00+00') TO ('2032-04-01 00:00:00+00')
                entries_2032_04 FOR VALUES FROM ('2032-04-01 00:00:00+00') TO ('2032-05-01 00:00:00+00')
                """);

        await InsertEntryAsync(connection, "2032-01-31 23:59:59.999999+00", seq: 1);
        await InsertEntryAsync(connection, "2032-02-01 00:00:00+00", seq: 2);
        (await ScalarAsync<string>(connection, "SELECT string_agg(tableoid::regclass::text, ',' ORDER BY seq) FROM entries"))
            .ShouldBe("entries_2032_01,entries_2032_02");
    }

    [Fact]
    public async Task A_row_no_month_covers_lands_in_the_default_partition_and_maintenance_moves_it_into_its_month()
    {
        await using var store = await NewStoreAsync("partition-default");
        await using var connection = await OpenAsync(store);
        await InsertEntryAsync(connection, "2040-06-15 10:00:00+00", seq: 1);
        await InsertEntryAsync(connection, "2040-06-30 23:59:59+00", seq: 2);
        (await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM entries_default")).ShouldBe(2);

        // Maintenance on an unrelated month still creates the month the waiting rows belong to.
        (await store.EnsurePartitionsAsync(new DateTimeOffset(2035, 1, 1, 0, 0, 0, TimeSpan.Zero), monthsAhead: 0)).ShouldBe(2);
        (await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM entries_default")).ShouldBe(0);
        (await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM entries_2040_06")).ShouldBe(2);
        (await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM entries")).ShouldBe(2);
        await ShouldRefuseChangesAsync(connection, "entries_2040_06");
        await InsertEntryAsync(connection, "2041-01-01 00:00:00+00", seq: 3);
        await ShouldRefuseChangesAsync(connection, "entries_default");
    }

    [Fact]
    public async Task Every_partition_refuses_updates_deletes_and_truncation_including_one_created_later()
    {
        await using var store = await NewStoreAsync("partition-append-only");
        (await store.EnsurePartitionsAsync(new DateTimeOffset(2036, 5, 1, 0, 0, 0, TimeSpan.Zero), monthsAhead: 0)).ShouldBe(1);
        await using var connection = await OpenAsync(store);
        await InsertEntryAsync(connection, "2036-05-02 00:00:00+00", seq: 1);
        await InsertEntryAsync(connection, "2000-01-01 00:00:00+00", seq: 2);

        await ShouldRefuseChangesAsync(connection, "entries");
        await ShouldRefuseChangesAsync(connection, "entries_2036_05");
        await ShouldRefuseChangesAsync(connection, "entries_legacy");
        (await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM entries")).ShouldBe(2);

        var report = await new TestLedger(store).Ledger.VerifyAsync();
        report.Violations.ShouldNotContain(v => v.Check == "append_only");
        await ExecuteAsync(connection, "ALTER TABLE entries_2036_05 DISABLE TRIGGER entries_no_truncate");
        (await new TestLedger(store).Ledger.VerifyAsync()).Violations.ShouldContain(v => v.Check == "append_only");
    }

    [Fact]
    public async Task A_history_query_bounded_in_time_reads_only_the_partitions_of_its_months()
    {
        await using var store = await NewStoreAsync("partition-pruning");
        (await store.EnsurePartitionsAsync(new DateTimeOffset(2034, 1, 1, 0, 0, 0, TimeSpan.Zero), monthsAhead: 2)).ShouldBe(3);
        await using var connection = await OpenAsync(store);
        await ExecuteAsync(connection, "INSERT INTO accounts VALUES ('00000000-0000-0000-0000-000000000001', 'acct', 'free', false, 0, NULL, '{}', now(), now(), 3)");
        await InsertEntryAsync(connection, "2034-01-15 00:00:00+00", seq: 1);
        await InsertEntryAsync(connection, "2034-02-15 00:00:00+00", seq: 2);
        await InsertEntryAsync(connection, "2034-03-15 00:00:00+00", seq: 3);

        // The store's own plan settings (generic plans): pruning then happens as the executor starts.
        await using var source = PostgresLedgerStore.CreateDataSource(store.DataSource.ConnectionString);
        await using var reading = await source.OpenConnectionAsync();
        var query = new EntryQuery("acct", 50, From: new DateTimeOffset(2034, 2, 1, 0, 0, 0, TimeSpan.Zero), To: new DateTimeOffset(2034, 3, 1, 0, 0, 0, TimeSpan.Zero));
        await using var command = reading.CreateCommand();
        EntryQuerySql.Apply(query, command, t => t.UtcDateTime);
        var history = command.CommandText;
        command.CommandText = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + history;
        var plan = await PlanAsync(command);

        plan.ShouldContain("entries_2034_02");
        foreach (var other in new[] { "entries_2034_01", "entries_2034_03", "entries_legacy", "entries_default" })
        {
            plan.ShouldNotContain(other, customMessage: plan);
        }

        command.CommandText = history;
        var rows = 0;
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows++;
            }
        }

        rows.ShouldBe(1);
    }

    [Fact]
    public async Task A_first_history_page_reads_the_newest_entries_of_the_account_and_stops()
    {
        await using var store = await NewStoreAsync("history-page");
        await using var connection = await OpenAsync(store);
        await ExecuteAsync(connection, """
            INSERT INTO accounts VALUES ('00000000-0000-0000-0000-000000000001', 'deep', 'free', false, 0, NULL, '{}', now(), now(), 2000);
            INSERT INTO entries (id, account_id, seq, type, unit, amount, balance_after, metadata, actor, created_at)
            SELECT gen_random_uuid(), '00000000-0000-0000-0000-000000000001', g, 'grant', 'credits', 1, g, '{}', 'test', now()
            FROM generate_series(1, 2000) g;
            ANALYZE;
            """);

        await using var source = PostgresLedgerStore.CreateDataSource(store.DataSource.ConnectionString);
        await using var reading = await source.OpenConnectionAsync();
        await using var command = reading.CreateCommand();
        EntryQuerySql.Apply(new EntryQuery("deep", 50), command, t => t.UtcDateTime);
        var history = command.CommandText;
        command.CommandText = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + history;
        var plan = await PlanAsync(command);

        // Walked from the newest end of the (account_id, seq) index: no sort of all 2,000 entries.
        System.Text.RegularExpressions.Regex.IsMatch(plan, @"(^|->)\s*(Incremental )?Sort \(", System.Text.RegularExpressions.RegexOptions.Multiline).ShouldBeFalse(plan);
        plan.ShouldContain("Index Scan Backward", customMessage: plan);
        plan.ShouldNotContain("actual rows=2000", customMessage: plan);

        command.CommandText = history;
        var seqs = new List<long>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                seqs.Add(reader.GetInt64(3));
            }
        }

        seqs.ShouldBe(Enumerable.Range(1950, 51).Select(s => (long)s).Reverse());
    }

    private static async Task<PostgresLedgerStore> NewStoreAsync(string purpose)
    {
        var store = new PostgresLedgerStore(await (await PgServer.SharedAsync()).CreateDatabaseAsync(purpose));
        await store.MigrateAsync(CancellationToken.None);
        return store;
    }

    private static Task<NpgsqlConnection> OpenAsync(PostgresLedgerStore store) => OpenAsync(store.DataSource.ConnectionString);

    private static async Task<NpgsqlConnection> OpenAsync(string database)
    {
        var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        return connection;
    }

    private static Task InsertEntryAsync(NpgsqlConnection connection, string createdAt, long seq) =>
        ExecuteAsync(connection, $"""
            INSERT INTO entries (id, account_id, seq, type, unit, amount, balance_after, metadata, actor, created_at)
            VALUES (gen_random_uuid(), '00000000-0000-0000-0000-000000000001', {seq}, 'grant', 'credits', 5, 5 * {seq}, '{"{}"}', 'test', '{createdAt}')
            """);

    private static async Task ShouldRefuseChangesAsync(NpgsqlConnection connection, string table)
    {
        foreach (var sql in new[] { $"UPDATE {table} SET amount = 6", $"DELETE FROM {table}", $"TRUNCATE {table}" })
        {
            var refused = await Should.ThrowAsync<PostgresException>(() => ExecuteAsync(connection, sql));
            refused.MessageText.ShouldContain("append-only", customMessage: sql);
        }
    }

    private static async Task<(long Rows, string Digest)> FingerprintAsync(string database)
    {
        await using var connection = await OpenAsync(database);
        await using var command = new NpgsqlCommand(
            "SELECT COUNT(*), md5(string_agg(e::text, '|' ORDER BY id)) FROM entries e", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetString(1));
    }

    private static async Task<string> PlanAsync(NpgsqlCommand command)
    {
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }
}
