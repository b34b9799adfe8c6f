using Npgsql;
using Shouldly;
using Tally.TestSupport.Postgres;
using static Tally.TestSupport.Postgres.PgCommands;

namespace Tally.Ledger.Postgres.Tests;

/// <summary>
/// The schema on a Citus cluster (docs/scaling.md): the ordinary migration distributes it once,
/// account-scoped tables co-located on the account id, catalogs as reference tables, and the
/// journal stays append-only on every shard. Skipped where Citus is not installed.
/// </summary>
public sealed class CitusSchemaTests
{
    private static readonly string[] AccountScoped =
    [
        "accounts", "balances", "lots", "holds", "hold_pins", "entries", "burns", "rule_usage",
        "analytics_marks", "analytics_account_daily", "analytics_account_totals",
    ];

    private static readonly string[] Catalogs = ["units", "features", "packages", "plans", "api_keys", "signing_keys", "admin_users"];

    [CitusFact]
    public async Task Migrating_distributes_account_tables_co_located_and_catalogs_as_reference_tables_once()
    {
        var database = await (await CitusCluster.SharedAsync()).CreateDatabaseAsync("schema");
        await using var store = new PostgresLedgerStore(database);
        (await store.MigrateAsync(CancellationToken.None)).ShouldBeGreaterThan(0);
        (await store.IsDistributedAsync(CancellationToken.None)).ShouldBeTrue();
        var tables = await TablesAsync(database);
        foreach (var table in AccountScoped)
        {
            tables.ShouldContainKey(table);
            tables[table].Type.ShouldBe("distributed", table);
        }

        AccountScoped.Select(t => tables[t].Colocation).Distinct().Count().ShouldBe(1);
        tables["accounts"].Column.ShouldBe("id");
        AccountScoped.Skip(1).ShouldAllBe(t => tables[t].Column == "account_id");
        Catalogs.ShouldAllBe(t => tables[t].Type == "reference");
        // Not account-scoped and written with the ledger's own rows: left on the coordinator.
        tables.ShouldNotContainKey("idempotency");
        tables.ShouldNotContainKey("commit_markers");
        tables.ShouldNotContainKey("outbox");

        (await store.MigrateAsync(CancellationToken.None)).ShouldBe(0);
        (await TablesAsync(database)).ShouldBe(tables);
    }

    [CitusFact]
    public async Task The_journal_refuses_updates_deletes_and_truncation_on_every_shard()
    {
        var cluster = await CitusCluster.SharedAsync();
        var database = await cluster.CreateDatabaseAsync("journal");
        await using var store = new PostgresLedgerStore(database);
        await store.MigrateAsync(CancellationToken.None);
        // A month partition made after distribution (maintenance does that) is distributed and guarded too.
        (await store.EnsurePartitionsAsync(new DateTimeOffset(2037, 1, 1, 0, 0, 0, TimeSpan.Zero), monthsAhead: 0)).ShouldBe(1);
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        // One account and one entry per shard at least (ids spread over the hash range).
        for (var i = 0; i < 16; i++)
        {
            await ExecuteAsync(connection, $$"""
                INSERT INTO accounts VALUES ('{{AccountId(i)}}', 'acct_{{i}}', 'free', false, 0, NULL, '{}', now(), now(), 1);
                INSERT INTO entries (id, account_id, seq, type, unit, amount, balance_after, metadata, actor, created_at)
                VALUES (gen_random_uuid(), '{{AccountId(i)}}', 1, 'grant', 'credits', 5, 5, '{}', 'test', now());
                INSERT INTO entries (id, account_id, seq, type, unit, amount, balance_after, metadata, actor, created_at)
                VALUES (gen_random_uuid(), '{{AccountId(i)}}', 2, 'grant', 'credits', 5, 10, '{}', 'test', '2037-01-02');
                """);
        }

        var shards = await ScalarAsync<long>(connection, "SELECT COUNT(DISTINCT get_shard_id_for_distribution_column('entries', account_id)) FROM entries");
        shards.ShouldBe(await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM pg_dist_shard WHERE logicalrelid = 'entries'::regclass"));
        foreach (var sql in new[] { "UPDATE entries SET amount = 6", "DELETE FROM entries", "TRUNCATE entries" })
        {
            var refused = await Should.ThrowAsync<PostgresException>(() => ExecuteAsync(connection, sql));
            refused.MessageText.ShouldContain("append-only");
        }

        foreach (var sql in new[] { "UPDATE entries_2037_01 SET amount = 6", "DELETE FROM entries_2037_01", "TRUNCATE entries_2037_01" })
        {
            var refused = await Should.ThrowAsync<PostgresException>(() => ExecuteAsync(connection, sql));
            refused.MessageText.ShouldContain("append-only");
        }

        (await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM entries WHERE amount = 5")).ShouldBe(32);
        // The journal is partitioned by month (migration 0014): every partition has shards of its own.
        var journalShards = await ScalarAsync<long>(connection,
            "SELECT COUNT(*) FROM pg_dist_shard WHERE logicalrelid = 'entries'::regclass OR logicalrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'entries'::regclass)");
        var triggers = 0L;
        foreach (var port in cluster.WorkerPorts)
        {
            await using var worker = new NpgsqlConnection(CitusCluster.ConnectionString(port, new NpgsqlConnectionStringBuilder(database).Database!));
            await worker.OpenAsync();
            triggers += await ScalarAsync<long>(worker, "SELECT COUNT(*) FROM pg_trigger WHERE tgname LIKE 'entries_append_only_%' OR tgname LIKE 'entries_no_truncate_%'");
        }

        // A partition created after distribution gets its shards and the cloned row trigger, but
        // Citus does not carry its TRUNCATE trigger to the shards: TRUNCATE through the coordinator
        // is refused (above); on a worker's shard directly it is not (docs/scaling.md).
        var lateShards = await ScalarAsync<long>(connection, "SELECT COUNT(*) FROM pg_dist_shard WHERE logicalrelid = 'entries_2037_01'::regclass");
        triggers.ShouldBe(2 * journalShards - lateShards);
    }

    private static Guid AccountId(int i) => new($"00000000-0000-0000-0000-{i + 1:D12}");

    private static async Task<Dictionary<string, (string Type, string Column, long Colocation)>> TablesAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT table_name::text, citus_table_type, distribution_column, colocation_id FROM citus_tables", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var tables = new Dictionary<string, (string, string, long)>();
        while (await reader.ReadAsync())
        {
            tables[reader.GetString(0)] = (reader.GetString(1), reader.GetString(2), Convert.ToInt64(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture));
        }

        return tables;
    }
}
