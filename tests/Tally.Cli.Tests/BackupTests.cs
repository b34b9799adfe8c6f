using System.IO.Compression;
using Microsoft.Data.Sqlite;
using Npgsql;
using Shouldly;
using Spectre.Console.Testing;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Relational.Backup;
using Tally.Server.Hosting;
using Tally.TestSupport.Postgres;
using Xunit;

namespace Tally.Cli.Tests;

/// <summary><c>tally backup</c> and <c>tally restore</c> across both stores, run in-process against real databases.</summary>
public sealed class BackupTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tally-backup-").FullName;

    public static TheoryData<string> Stores => new() { "sqlite", "postgres" };

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_round_trip_sqlite_to_postgres_to_sqlite_reproduces_every_table_byte_for_byte()
    {
        var sqlite = Sqlite();
        await SeedAsync(sqlite);
        var postgres = await PostgresAsync();
        var back = Sqlite();

        var fromSqlite = await BackupAsync(sqlite);
        (await RestoreAsync(postgres, fromSqlite)).ShouldContain("0 violations");
        var fromPostgres = await BackupAsync(postgres);
        (await RestoreAsync(back, fromPostgres)).ShouldContain("0 violations");
        var again = await BackupAsync(back);

        var first = Tables(fromSqlite);
        first["tables/entries.jsonl"].Length.ShouldBeGreaterThan(10_000);
        foreach (var table in new[] { "accounts", "balances", "lots", "holds", "hold_pins", "entries", "burns", "payments", "packages", "plans", "features", "api_keys", "signing_keys", "idempotency" })
        {
            first[$"tables/{table}.jsonl"].Length.ShouldBeGreaterThan(0, table);
        }

        foreach (var other in new[] { Tables(fromPostgres), Tables(again) })
        {
            other.Keys.ShouldBe(first.Keys, ignoreOrder: true);
            foreach (var (table, bytes) in first)
            {
                other[table].SequenceEqual(bytes).ShouldBeTrue($"{table} differs");
            }
        }

        Manifest(fromSqlite).Store.ShouldBe("sqlite");
        Manifest(fromPostgres).Store.ShouldBe("postgres");
        // What the ledger reads back is the same too: balances, holds and history of a customer.
        var shown = await RunAsync(sqlite, "accounts", "show", "alice", "--limit", "50");
        (await RunAsync(postgres, "accounts", "show", "alice", "--limit", "50")).Output.ShouldBe(shown.Output);
        (await RunAsync(back, "accounts", "show", "alice", "--limit", "50")).Output.ShouldBe(shown.Output);
        (await RunAsync(back, "accounts", "charge", "alice", "1")).Code.ShouldBe(0);
        (await RunAsync(back, "verify")).Output.ShouldContain("0 violations");
    }

    [CitusFact]
    public async Task A_round_trip_postgres_to_citus_to_sqlite_reproduces_every_table_and_the_ledger_keeps_working_on_citus()
    {
        var postgres = await PostgresAsync();
        await SeedAsync(postgres);
        var citus = await (await CitusCluster.SharedAsync()).CreateDatabaseAsync("backup");
        var back = Sqlite();

        var fromPostgres = await BackupAsync(postgres);
        (await RestoreAsync(citus, fromPostgres)).ShouldContain("0 violations");
        var fromCitus = await BackupAsync(citus);
        (await RestoreAsync(back, fromCitus)).ShouldContain("0 violations");

        var first = Tables(fromPostgres);
        foreach (var other in new[] { Tables(fromCitus), Tables(await BackupAsync(back)) })
        {
            other.Keys.ShouldBe(first.Keys, ignoreOrder: true);
            foreach (var (table, bytes) in first)
            {
                other[table].SequenceEqual(bytes).ShouldBeTrue($"{table} differs");
            }
        }

        // A restored account is found by its external id on Citus (account_external_ids is rebuilt),
        // so a charge lands on it instead of creating a second alice.
        var shown = await RunAsync(postgres, "accounts", "show", "alice", "--limit", "50");
        (await RunAsync(citus, "accounts", "show", "alice", "--limit", "50")).Output.ShouldBe(shown.Output);
        (await RunAsync(citus, "accounts", "charge", "alice", "1")).Code.ShouldBe(0);
        await using (var connection = new NpgsqlConnection(citus))
        {
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT COUNT(*) FROM accounts WHERE external_id = 'alice'", connection);
            (await count.ExecuteScalarAsync()).ShouldBe(1L);
        }

        (await RunAsync(citus, "verify")).Output.ShouldContain("0 violations");
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Restore_refuses_a_database_holding_accounts_unless_forced_and_then_replaces_its_data(string kind)
    {
        var source = Sqlite();
        (await RunAsync(source, "accounts", "grant", "carol", "70")).Code.ShouldBe(0);
        var archive = await BackupAsync(source);
        var target = kind == "sqlite" ? Sqlite() : await PostgresAsync();
        (await RunAsync(target, "accounts", "grant", "dave", "5")).Code.ShouldBe(0);
        (await RunAsync(target, "accounts", "charge", "dave", "1")).Code.ShouldBe(0);

        var refused = await RunAsync(target, "restore", archive);
        refused.Code.ShouldBe(1);
        refused.Output.ShouldContain("already holds accounts");
        (await RunAsync(target, "accounts", "show", "dave")).Code.ShouldBe(0);

        var forced = await RunAsync(target, "restore", archive, "--force");
        forced.Code.ShouldBe(0, forced.Output);
        forced.Output.ShouldContain("0 violations in 1 accounts");
        (await RunAsync(target, "accounts", "show", "dave")).Code.ShouldNotBe(0);
        var restored = Tables(await BackupAsync(target));
        foreach (var (table, bytes) in Tables(archive))
        {
            restored[table].SequenceEqual(bytes).ShouldBeTrue($"{table} differs");
        }
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Restore_refuses_a_corrupted_or_incomplete_archive_and_writes_nothing(string kind)
    {
        var source = Sqlite();
        (await RunAsync(source, "accounts", "grant", "erin", "70")).Code.ShouldBe(0);
        (await RunAsync(source, "accounts", "charge", "erin", "20")).Code.ShouldBe(0);
        var archive = await BackupAsync(source);
        var target = kind == "sqlite" ? Sqlite() : await PostgresAsync();

        var changed = Rewrite(archive, "changed", "tables/entries.jsonl", bytes => bytes.Replace("\"amount\":-20", "\"amount\":-21"));
        var refused = await RunAsync(target, "restore", changed);
        refused.Code.ShouldBe(1);
        refused.Output.ShouldContain("tables/entries.jsonl does not match the manifest");
        refused.Output.ShouldContain("Nothing was written");

        var missing = Rewrite(archive, "missing", "tables/lots.jsonl", _ => null);
        var incomplete = await RunAsync(target, "restore", missing);
        incomplete.Code.ShouldBe(1);
        incomplete.Output.ShouldContain("missing tables/lots.jsonl");

        var junk = Path.Combine(_directory, "junk.zip");
        await File.WriteAllTextAsync(junk, "not an archive");
        (await RunAsync(target, "restore", junk)).Output.ShouldContain("not a zip archive");
        (await RunAsync(target, "restore", Path.Combine(_directory, "absent.zip"))).Output.ShouldContain("no such file");

        var verified = await RunAsync(target, "verify");
        verified.Output.ShouldContain("0 violations in 0 accounts and 0 journal entries");
        var restored = await RunAsync(target, "restore", archive);
        restored.Code.ShouldBe(0, restored.Output);
        restored.Output.ShouldContain("0 violations in 1 accounts and 3 journal entries");
    }

    [Fact]
    public async Task A_statement_the_database_refuses_fails_the_restore_in_one_line_and_writes_nothing()
    {
        var source = Sqlite();
        (await RunAsync(source, "accounts", "grant", "fay", "70")).Code.ShouldBe(0);
        var archive = await BackupAsync(source);
        var target = await PostgresAsync();
        (await RunAsync(target, "migrate")).Code.ShouldBe(0);
        await PgCommands.ExecuteAsync(target, """
            CREATE FUNCTION refuse_accounts() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no accounts here'; END $$;
            CREATE TRIGGER refuse_accounts BEFORE INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION refuse_accounts();
            """);

        var refused = await RunAsync(target, "restore", archive);

        refused.Code.ShouldBe(1);
        refused.Output.ShouldContain("The database refused the restore:");
        refused.Output.ShouldContain("no accounts here");
        refused.Output.ShouldContain("Nothing was written.");
        await PgCommands.ExecuteAsync(target, "DROP TRIGGER refuse_accounts ON accounts");
        (await RunAsync(target, "verify")).Output.ShouldContain("0 violations in 0 accounts and 0 journal entries");
    }

    [Fact]
    public async Task A_database_that_does_not_answer_is_reported_in_one_line()
    {
        var nobody = $"Host=127.0.0.1;Port={PgServer.FreePort()};Username=postgres;Database=tally;Timeout=5";

        var failed = await RunAsync(nobody, "verify");

        failed.Code.ShouldBe(1);
        failed.Output.ShouldContain("The database failed:");
        failed.Output.ShouldContain("Failed to connect");
    }

    [Fact]
    public async Task Restore_refuses_an_archive_with_a_newer_schema_than_it_knows()
    {
        var source = Sqlite();
        (await RunAsync(source, "migrate")).Code.ShouldBe(0);
        var archive = await BackupAsync(source);
        var newer = Rewrite(archive, "newer", "manifest.json", bytes => bytes.Replace("\"schemaVersion\": 11", "\"schemaVersion\": 999"));

        var refused = await RunAsync(Sqlite(), "restore", newer);

        refused.Code.ShouldBe(1);
        refused.Output.ShouldContain("schema version 999");
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task The_backup_tables_are_every_table_and_column_of_the_store_but_the_skipped_ones(string kind)
    {
        var database = kind == "sqlite" ? Sqlite() : await PostgresAsync();
        (await RunAsync(database, "migrate")).Code.ShouldBe(0);

        var schema = kind == "sqlite" ? SqliteSchema(database["sqlite:".Length..]) : await PostgresSchemaAsync(database);

        var expected = BackupTables.All.ToDictionary(t => t.Name, t => string.Join(",", t.Columns.Select(c => c.Name).Order(StringComparer.Ordinal)));
        var found = schema.Where(t => !BackupTables.Skipped.ContainsKey(t.Key)).ToDictionary(t => t.Key, t => string.Join(",", t.Value.Order(StringComparer.Ordinal)));
        found.ShouldBe(expected, ignoreOrder: true);
    }

    private static Dictionary<string, List<string>> SqliteSchema(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'";
        using var reader = command.ExecuteReader();
        var tables = new Dictionary<string, List<string>>();
        while (reader.Read())
        {
            (tables.TryGetValue(reader.GetString(0), out var columns) ? columns : tables[reader.GetString(0)] = []).Add(reader.GetString(1));
        }

        return tables;
    }

    private static async Task<Dictionary<string, List<string>>> PostgresSchemaAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name) WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'" +
            // A partition (the journal's months, migration 0014) is part of its table, not a table to back up.
            " AND NOT EXISTS (SELECT 1 FROM pg_class p WHERE p.relname = t.table_name AND p.relnamespace = current_schema()::regnamespace AND p.relispartition)",
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        var tables = new Dictionary<string, List<string>>();
        while (await reader.ReadAsync())
        {
            (tables.TryGetValue(reader.GetString(0), out var columns) ? columns : tables[reader.GetString(0)] = []).Add(reader.GetString(1));
        }

        return tables;
    }

    /// <summary>A realistic history: the demo's customers, payments and expiries, plus holds, a capture, a transfer and keys.</summary>
    private async Task SeedAsync(string database)
    {
        var seeded = await RunAsync(database, "demo", "seed", "--accounts", "60", "--days", "45", "--seed", "11");
        seeded.Code.ShouldBe(0, seeded.Output);
        (await RunAsync(database, "expire")).Code.ShouldBe(0);
        (await RunAsync(database, "apikeys", "create", "--name", "backend", "--scopes", "read,charge")).Code.ShouldBe(0);
        (await RunAsync(database, "apikeys", "rotate-signing-key")).Code.ShouldBe(0);
        await using var store = StoreFactory.Open(database);
        await using var ledger = CliContext.OpenLedger(store);
        await ExecuteAsync(ledger, new Grant("alice", new Credits(500), Source: LotSource.Purchase, Reference: "order-1", Description: "pack"));
        await ExecuteAsync(ledger, new Grant("bob", new Credits(40), ExpiresAt: DateTimeOffset.UtcNow.AddDays(30), Features: ["image"]));
        var active = (HoldResult)await ExecuteAsync(ledger, new Reserve("alice", Price.Of(new Credits(50)), TtlSeconds: 3600, Description: "render"));
        active.Hold.Id.ShouldNotBe(Guid.Empty);
        var captured = (HoldResult)await ExecuteAsync(ledger, new Reserve("alice", Price.Of(new Credits(30)), TtlSeconds: 600));
        await ExecuteAsync(ledger, new Capture(captured.Hold.Id, 20));
        await ExecuteAsync(ledger, new Transfer("alice", "bob", new Credits(40), Description: "gift"));
        var charge = (EntryResult)await ExecuteAsync(ledger, new Charge("bob", Price.Of(new Credits(15)), Metadata: "{\"job\":\"ünïcödé ✓\"}"));
        await ExecuteAsync(ledger, new Reverse(charge.Entry.Id, 5, "partial refund"));
        (await RunAsync(database, "verify")).Output.ShouldContain("0 violations");
    }

    private static async Task<LedgerOutcome> ExecuteAsync(CreditLedger ledger, LedgerCommand command)
    {
        var outcome = (await ledger.ExecuteAsync(LedgerRequest.Of(command, actor: "test"))).Results[0];
        outcome.ShouldBeAssignableTo<Success>();
        return outcome;
    }

    private async Task<string> BackupAsync(string database)
    {
        var path = Path.Combine(_directory, $"{Guid.NewGuid():N}.zip");
        var (code, output) = await RunAsync(database, "backup", path);
        code.ShouldBe(0, output);
        output.ShouldContain("Backed up");
        return path;
    }

    private static async Task<string> RestoreAsync(string database, string archive)
    {
        var (code, output) = await RunAsync(database, "restore", archive);
        code.ShouldBe(0, output);
        return output;
    }

    private static Dictionary<string, byte[]> Tables(string archive)
    {
        using var zip = ZipFile.OpenRead(archive);
        return zip.Entries.Where(e => e.FullName.StartsWith("tables/", StringComparison.Ordinal)).ToDictionary(e => e.FullName, e =>
        {
            using var stream = e.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        });
    }

    private static BackupManifest Manifest(string archive)
    {
        using var reader = BackupReader.Open(archive, new Dictionary<string, int> { ["sqlite"] = 1000, ["postgres"] = 1000 });
        return reader.Manifest;
    }

    /// <summary>A copy of the archive with one entry's text changed (or, for null, the entry left out).</summary>
    private string Rewrite(string archive, string name, string entryName, Func<string, string?> change)
    {
        var path = Path.Combine(_directory, name + ".zip");
        using var source = ZipFile.OpenRead(archive);
        using var target = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var entry in source.Entries)
        {
            using var reader = new StreamReader(entry.Open());
            var text = reader.ReadToEnd();
            if (entry.FullName == entryName)
            {
                var changed = change(text);
                if (changed is null)
                {
                    continue;
                }

                changed.ShouldNotBe(text);
                text = changed;
            }

            using var writer = new StreamWriter(target.CreateEntry(entry.FullName).Open());
            writer.Write(text);
        }

        return path;
    }

    private string Sqlite() => $"sqlite:{Path.Combine(_directory, $"{Guid.NewGuid():N}.db")}";

    private static async Task<string> PostgresAsync() => await (await PgServer.SharedAsync()).CreateDatabaseAsync("backup");

    private static async Task<(int Code, string Output)> RunAsync(string database, params string[] args)
    {
        var console = new TestConsole();
        console.Profile.Width = 240;
        var code = await TallyCli.RunAsync([.. args, "--database", database], console);
        return (code, console.Output);
    }
}
