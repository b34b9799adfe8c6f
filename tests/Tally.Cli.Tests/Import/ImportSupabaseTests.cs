using Shouldly;
using Spectre.Console.Testing;
using Tally.Cli.Import;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Payments;
using Tally.Server.Hosting;
using Tally.TestSupport.Postgres;
using Xunit;

namespace Tally.Cli.Tests.Import;

/// <summary>
/// <c>tally import supabase</c> against a generated seed in a throwaway PostgreSQL and as CSV,
/// into both of Tally's stores: balances equal the seed's, a second run changes nothing, a dry
/// run writes nothing, a cut run finishes when started again, dirty rows are reported.
/// </summary>
public sealed class ImportSupabaseTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tally-import-").FullName;

    public static TheoryData<string> Stores => new() { "sqlite", "postgres" };

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<string> TargetAsync(string kind) => kind == "sqlite"
        ? $"sqlite:{Path.Combine(_directory, $"{Guid.NewGuid():N}.db")}"
        : await (await PgServer.SharedAsync()).CreateDatabaseAsync("import");

    private static async Task<string> SeedDatabaseAsync(SeedDataset seed)
    {
        var connection = await (await PgServer.SharedAsync()).CreateDatabaseAsync("seed");
        await seed.WriteToPostgresAsync(connection);
        return connection;
    }

    private static async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        var console = new TestConsole();
        console.Profile.Width = 400;
        var code = await TallyCli.RunAsync(args, console);
        return (code, console.Output);
    }

    /// <summary>Every expected balance is Tally's, and the journal's entry count (to see that a run changed nothing).</summary>
    private static async Task<long> AssertBalancesAsync(string database, SeedDataset seed)
    {
        await using var store = StoreFactory.Open(database);
        await using var ledger = new CreditLedger(store, new LedgerOptions(), TimeProvider.System);
        foreach (var (user, balance) in seed.Expected)
        {
            var view = await ledger.GetAccountAsync(user);
            view.ShouldNotBeNull($"account {user}");
            var total = view.Balances.SingleOrDefault(b => b.Unit.Key == UnitInfo.DefaultKey)?.Total.Minor ?? 0;
            total.ShouldBe(balance, $"account {user}");
        }

        var report = await ledger.VerifyAsync();
        report.Ok.ShouldBeTrue(string.Join("; ", report.Violations.Select(v => v.Describe())));
        return report.Entries;
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Import_from_postgres_gives_every_seed_balance_reports_the_dirt_and_a_second_run_changes_nothing(string kind)
    {
        var seed = SeedDataset.Generate(users: 120, transactions: 2_400, dirty: true);
        var source = await SeedDatabaseAsync(seed);
        var target = await TargetAsync(kind);

        var first = await RunAsync("import", "supabase", "--connection", source, "--database", target);

        first.Code.ShouldBe(0, first.Output);
        first.Output.ShouldContain(ProblemKinds.BalanceMismatch);
        first.Output.ShouldContain(ProblemKinds.NegativeBalance);
        first.Output.ShouldContain(ProblemKinds.DuplicatePurchase);
        first.Output.ShouldContain(ProblemKinds.DuplicateBalance);
        first.Output.ShouldContain(ProblemKinds.NoBalanceRow);
        first.Output.ShouldContain(ProblemKinds.UnknownType);
        first.Output.ShouldContain(ProblemKinds.SubscriptionEnded);
        first.Output.ShouldContain(ProblemKinds.PaymentNotImported);
        first.Output.ShouldContain(ProblemKinds.InvalidRow); // the package without a price
        first.Output.ShouldContain("0 violations");
        var entries = await AssertBalancesAsync(target, seed);

        await using (var store = StoreFactory.Open(target))
        {
            var payments = (IPaymentStore)store;
            (await payments.ReadPackagesAsync(CancellationToken.None)).Select(p => p.Id).Order().ShouldBe(["enterprise", "pro", "starter"]);
            var paid = seed.Payments.First(p => p.Status == "succeeded");
            var record = await payments.FindPaymentByProviderIdAsync("dodo", paid.PaymentId, CancellationToken.None);
            record.ShouldNotBeNull();
            record.Status.ShouldBe(PaymentStatus.Succeeded);
            record.Account.ShouldBe(paid.User.ToString());
            (await payments.FindPaymentByProviderIdAsync("dodo", "pay_pending_1", CancellationToken.None)).ShouldBeNull();

            // A subscriber's unused allocation is a lot that expires at the period's end.
            await using var ledger = new CreditLedger(store, new LedgerOptions(), TimeProvider.System);
            var expiring = 0;
            foreach (var subscriber in seed.Subscribers)
            {
                var balance = (await ledger.GetAccountAsync(subscriber))!.Balances.Single();
                expiring += balance.NextExpiry is null ? 0 : 1;
            }

            expiring.ShouldBeGreaterThan(0);
        }

        var second = await RunAsync("import", "supabase", "--connection", source, "--database", target);

        second.Code.ShouldBe(0, second.Output);
        second.Output.ShouldMatch($@"imported before \(unchanged\)\s*│\s*{seed.Expected.Count}\b");
        second.Output.ShouldMatch(@"imported now\s*│\s*0\b");
        (await AssertBalancesAsync(target, seed)).ShouldBe(entries);
    }

    [Fact]
    public async Task Import_from_csv_with_csv_only_dirt_gives_every_seed_balance_and_writes_the_problem_report()
    {
        var seed = SeedDataset.Generate(users: 80, transactions: 1_200, dirty: true, seed: 5);
        var csv = Path.Combine(_directory, "csv");
        seed.WriteCsv(csv, csvDirt: true);
        var target = await TargetAsync("sqlite");
        var report = Path.Combine(_directory, "problems.csv");

        var (code, output) = await RunAsync("import", "supabase", "--csv", csv, "--database", target, "--report", report);

        code.ShouldBe(0, output);
        output.ShouldContain(ProblemKinds.DuplicateRow);
        output.ShouldContain("'abc' is not a number");
        await AssertBalancesAsync(target, seed);
        var lines = await File.ReadAllLinesAsync(report);
        lines[0].ShouldBe("problem,table,row,account,detail");
        lines.ShouldContain(l => l.Contains("does not add up", StringComparison.Ordinal) || l.Contains("do not add up", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dry_run_reports_and_writes_nothing()
    {
        var seed = SeedDataset.Generate(users: 30, transactions: 300, dirty: true, seed: 9);
        var csv = Path.Combine(_directory, "csv");
        seed.WriteCsv(csv, csvDirt: false);
        var target = Path.Combine(_directory, "never.db");
        var source = await SeedDatabaseAsync(seed);

        var fromCsv = await RunAsync("import", "supabase", "--csv", csv, "--dry-run", "--database", $"sqlite:{target}");
        var fromPostgres = await RunAsync("import", "supabase", "--connection", source, "--dry-run", "--database", $"sqlite:{target}");

        fromCsv.Code.ShouldBe(0, fromCsv.Output);
        fromCsv.Output.ShouldContain("Dry run: nothing written");
        fromCsv.Output.ShouldContain("Seed transactions by type");
        fromCsv.Output.ShouldContain(ProblemKinds.NegativeBalance);
        fromPostgres.Code.ShouldBe(0, fromPostgres.Output);
        fromPostgres.Output.ShouldContain("Dry run: nothing written");
        File.Exists(target).ShouldBeFalse();
    }

    [Fact]
    public async Task A_run_cut_in_the_middle_finishes_when_started_again()
    {
        var seed = SeedDataset.Generate(users: SupabaseImporter.GroupSize * 2 + 50, transactions: 3_000, dirty: true, seed: 11);
        var source = await SeedDatabaseAsync(seed);
        var target = await TargetAsync("sqlite");

        // The first run stops after its first group of accounts committed (as a killed process would).
        await using (var store = StoreFactory.Open(target))
        {
            await store.MigrateAsync(CancellationToken.None);
            await using var ledger = new CreditLedger(store, SupabaseImporter.Options(new LedgerOptions()), TimeProvider.System);
            SeedData data;
            await using (var reader = await PostgresSeedSource.OpenAsync(source, CancellationToken.None))
            {
                data = await SeedReader.ReadAsync(reader, null, CancellationToken.None);
            }

            var openings = SupabaseImporter.Plan(data, DateTimeOffset.UtcNow);
            using var cut = new CancellationTokenSource();
            var importer = new SupabaseImporter(ledger, (IPaymentStore)store, UnitInfo.Default, TimeProvider.System);
            var progress = new CutAfterFirstGroup(cut);
            var stopped = false;
            try
            {
                await importer.RunAsync(data, openings, SupabaseImporter.Count(data, openings), progress, cut.Token);
            }
            catch (OperationCanceledException)
            {
                stopped = true;
            }

            stopped.ShouldBeTrue();
        }

        var (code, output) = await RunAsync("import", "supabase", "--connection", source, "--database", target);

        code.ShouldBe(0, output);
        output.ShouldMatch(@"imported before \(unchanged\)\s*│\s*200\b");
        await AssertBalancesAsync(target, seed);
    }

    [Fact]
    public async Task Bad_arguments_and_unreadable_sources_exit_2_with_a_message()
    {
        var target = $"sqlite:{Path.Combine(_directory, "t.db")}";
        var empty = Directory.CreateDirectory(Path.Combine(_directory, "empty")).FullName;

        var neither = await RunAsync("import", "supabase", "--database", target);
        var both = await RunAsync("import", "supabase", "--csv", empty, "--connection", "Host=x", "--database", target);
        var missing = await RunAsync("import", "supabase", "--csv", Path.Combine(_directory, "nope"), "--database", target);
        var noTables = await RunAsync("import", "supabase", "--csv", empty, "--database", target);
        var badConnection = await RunAsync("import", "supabase", "--connection", "Host=127.0.0.1;Port=1;Timeout=2", "--database", target);
        var garbage = await RunAsync("import", "supabase", "--connection", "this is not=a;connection string", "--database", target);

        neither.Code.ShouldBe(2);
        neither.Output.ShouldContain("exactly one source");
        both.Code.ShouldBe(2);
        missing.Code.ShouldBe(2);
        missing.Output.ShouldContain("no directory");
        noTables.Code.ShouldBe(2);
        noTables.Output.ShouldContain("no balance table");
        badConnection.Code.ShouldBe(2, badConnection.Output);
        badConnection.Output.ShouldContain("Cannot read the seed");
        garbage.Code.ShouldBe(2, garbage.Output);
    }

    private sealed class CutAfterFirstGroup(CancellationTokenSource cut) : IProgress<ImportStep>
    {
        public void Report(ImportStep value)
        {
            if (value.Phase == "importing accounts")
            {
                cut.Cancel();
            }
        }
    }
}
