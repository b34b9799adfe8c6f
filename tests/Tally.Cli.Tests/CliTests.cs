using Shouldly;
using Spectre.Console.Testing;
using Tally.Server.Hosting;
using Tally.TestSupport.Postgres;
using Xunit;

namespace Tally.Cli.Tests;

/// <summary>The tally command run in-process against real databases of both kinds.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tally-cli-").FullName;

    public static TheoryData<string> Stores => new() { "sqlite", "postgres" };

    private async Task<string> DatabaseAsync(string kind) => kind == "sqlite"
        ? $"sqlite:{Path.Combine(_directory, $"{Guid.NewGuid():N}.db")}"
        : await (await PgServer.SharedAsync()).CreateDatabaseAsync("cli");

    private static async Task<(int Code, string Output)> RunAsync(string database, params string[] args)
    {
        var console = new TestConsole();
        console.Profile.Width = 240;
        var code = await TallyCli.RunAsync([.. args, "--database", database], console);
        return (code, console.Output);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Analytics_rebuild_folds_the_journal_and_report_prints_the_platform_and_top_spenders(string kind)
    {
        var database = await DatabaseAsync(kind);
        (await RunAsync(database, "accounts", "grant", "alice", "50")).Code.ShouldBe(0);
        (await RunAsync(database, "accounts", "charge", "alice", "30")).Code.ShouldBe(0);

        var rebuilt = await RunAsync(database, "analytics", "rebuild");
        var report = await RunAsync(database, "report", "--top", "5");

        rebuilt.Code.ShouldBe(0);
        rebuilt.Output.ShouldContain("Rebuilt: 3 entries of 1 account(s) folded");
        report.Code.ShouldBe(0);
        report.Output.ShouldContain("Top spenders");
        report.Output.ShouldContain("alice");
        report.Output.ShouldContain("150"); // issued: the signup grant and the 50
        (await RunAsync(database, "report", "--from", "2026-02-30")).Code.ShouldBe(2);
        (await RunAsync(database, "report", "--top", "0")).Code.ShouldBe(2);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Migrate_then_verify_an_empty_ledger_reports_no_violations(string kind)
    {
        var database = await DatabaseAsync(kind);

        (await RunAsync(database, "migrate")).Code.ShouldBe(0);
        var (code, output) = await RunAsync(database, "verify");

        code.ShouldBe(0);
        output.ShouldContain("0 violations");
    }

    [Fact]
    public async Task Migrate_with_citus_refuses_sqlite()
    {
        var (code, output) = await RunAsync(await DatabaseAsync("sqlite"), "migrate", "--citus");

        code.ShouldBe(2);
        output.ShouldContain("--citus needs a PostgreSQL database");
    }

    [CitusFact]
    public async Task Migrate_with_citus_distributes_the_schema_once_and_the_ledger_and_verify_run_on_it()
    {
        var database = await (await CitusCluster.SharedAsync()).CreateDatabaseAsync("cli");

        var (code, output) = await RunAsync(database, "migrate", "--citus");
        code.ShouldBe(0, output);
        output.ShouldContain("distributed over Citus");
        var again = await RunAsync(database, "migrate", "--citus");
        again.Code.ShouldBe(0, again.Output);
        again.Output.ShouldContain("0 migration(s) applied, schema current, distributed over Citus");

        // The ledger's verbs and `tally verify` run on the coordinator as on plain PostgreSQL.
        (await RunAsync(database, "demo", "seed", "--accounts", "20", "--days", "5", "--seed", "3")).Code.ShouldBe(0);
        (await RunAsync(database, "accounts", "grant", "alice", "50")).Code.ShouldBe(0);
        (await RunAsync(database, "accounts", "charge", "alice", "30")).Code.ShouldBe(0);
        var verified = await RunAsync(database, "verify");
        verified.Code.ShouldBe(0, verified.Output);
        verified.Output.ShouldContain("0 violations");
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Demo_seed_writes_a_history_that_verifies_and_refuses_to_run_twice_with_one_seed(string kind)
    {
        var database = await DatabaseAsync(kind);

        var (code, output) = await RunAsync(database, "demo", "seed", "--accounts", "40", "--days", "20", "--seed", "7");
        code.ShouldBe(0, output);
        output.ShouldContain("40");
        var verified = await RunAsync(database, "verify");
        verified.Code.ShouldBe(0, verified.Output);
        verified.Output.ShouldContain("0 violations");
        (await RunAsync(database, "demo", "seed", "--accounts", "40", "--days", "20", "--seed", "7")).Code.ShouldBe(1);
        (await RunAsync(database, "demo", "seed", "--accounts", "0")).Code.ShouldBe(2);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Grant_charge_and_show_work_and_a_refused_charge_exits_1(string kind)
    {
        var database = await DatabaseAsync(kind);

        (await RunAsync(database, "accounts", "grant", "alice", "50", "--description", "welcome")).Code.ShouldBe(0);
        var charged = await RunAsync(database, "accounts", "charge", "alice", "30");
        var refused = await RunAsync(database, "accounts", "charge", "alice", "500");
        var shown = await RunAsync(database, "accounts", "show", "alice");

        charged.Code.ShouldBe(0);
        refused.Code.ShouldBe(1);
        refused.Output.ShouldContain("Insufficient credits");
        shown.Code.ShouldBe(0);
        shown.Output.ShouldContain("welcome");
        shown.Output.ShouldContain("120");
        (await RunAsync(database, "accounts", "show", "nobody")).Code.ShouldBe(1);
        (await RunAsync(database, "accounts", "charge", "alice", "0.5")).Code.ShouldBe(2);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Verify_reports_a_corrupted_balance_and_a_corrupted_lot_and_exits_1(string kind)
    {
        var database = await DatabaseAsync(kind);
        await RunAsync(database, "accounts", "grant", "bob", "10");
        await RunAsync(database, "accounts", "charge", "bob", "3");
        (await RunAsync(database, "verify")).Code.ShouldBe(0);

        await using (var store = StoreFactory.Open(database))
        {
            await CorruptAsync(store, "UPDATE balances SET balance = balance + 7");
            await CorruptAsync(store, "UPDATE lots SET remaining = remaining - 1 WHERE remaining > 0");
        }

        var (code, output) = await RunAsync(database, "verify");

        code.ShouldBe(1);
        output.ShouldContain("journal_sum");
        output.ShouldContain("lot_lineage");
        output.ShouldContain("FAILED");
    }

    [Fact]
    public async Task The_sweeper_runs_once()
    {
        var (code, output) = await RunAsync($"sqlite:{Path.Combine(_directory, "sweep.db")}", "expire");

        code.ShouldBe(0);
        output.ShouldContain("Swept 0 account(s)");
    }

    [Fact]
    public async Task A_bad_database_setting_exits_2_naming_it()
    {
        var (code, output) = await RunAsync("nonsense", "verify");

        code.ShouldBe(2);
        output.ShouldContain("TALLY_DATABASE");
    }

    private static Task<int> CorruptAsync(Ledger.Storage.ILedgerStore store, string sql) => store switch
    {
        Ledger.Sqlite.SqliteLedgerStore sqlite => sqlite.ExecuteWrite(sql),
        Ledger.Postgres.PostgresLedgerStore postgres => postgres.ExecuteAsync(sql, CancellationToken.None),
        _ => throw new NotSupportedException(store.Kind),
    };

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Admin_create_asks_for_the_password_refuses_a_short_one_and_a_second_user_of_the_same_email(string kind)
    {
        var database = await DatabaseAsync(kind);
        static async Task<(int Code, string Output)> WithInput(string database, string input, params string[] args)
        {
            var console = new TestConsole();
            console.Profile.Width = 240;
            console.Input.PushTextWithEnter(input);
            return (await TallyCli.RunAsync([.. args, "--database", database], console), console.Output);
        }

        (await WithInput(database, "short", "admin", "create", "--email", "ops@example.com")).Code.ShouldBe(2);
        var created = await WithInput(database, "a long enough password", "admin", "create", "--email", "Ops@Example.com");
        created.Code.ShouldBe(0);
        created.Output.ShouldContain("Created admin user ops@example.com");
        (await WithInput(database, "another long password", "admin", "create", "--email", "ops@example.com")).Code.ShouldBe(1);
        (await WithInput(database, "another long password", "admin", "set-password", "--email", "nobody@example.com")).Code.ShouldBe(1);
        (await WithInput(database, "another long password", "admin", "set-password", "--email", "ops@example.com")).Code.ShouldBe(0);

        await using var store = StoreFactory.Open(database);
        var users = new Tally.Server.Ui.Admin.AdminUsers((Tally.Access.IWebAccessStore)store, TimeProvider.System);
        (await users.LoginAsync("ops@example.com", "a long enough password", CancellationToken.None)).Outcome.ShouldBe(Tally.Server.Ui.Admin.LoginOutcome.WrongCredentials);
        (await users.LoginAsync("OPS@example.com", "another long password", CancellationToken.None)).Outcome.ShouldBe(Tally.Server.Ui.Admin.LoginOutcome.Success);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Payments_reconcile_without_a_provider_key_points_to_the_running_servers_sandbox()
    {
        var (code, output) = await RunAsync(await DatabaseAsync("sqlite"), "payments", "reconcile");

        code.ShouldBe(2);
        output.ShouldContain("POST /v1/payments/reconcile");
    }
}
