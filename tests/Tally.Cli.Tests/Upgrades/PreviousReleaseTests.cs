using Shouldly;
using Spectre.Console.Testing;
using Tally.TestSupport.Postgres;
using Tally.TestSupport.Server;
using Xunit;
using Xunit.Abstractions;

namespace Tally.Cli.Tests.Upgrades;

/// <summary>
/// A rolling upgrade (docs/operations.md, "Upgrades"): this code migrates the database, then the
/// previous release's server (release/previous-release, built from git) keeps serving on the new
/// schema beside this release's server. Both are driven in turn, each idempotent retry landing on
/// the other, and both ledgers' invariants hold after.
/// </summary>
public sealed class PreviousReleaseTests(PreviousRelease release, ITestOutputHelper output) : IClassFixture<PreviousRelease>, IDisposable
{
    private const decimal SignupGrant = 100;
    private static readonly string[] Settings = ["--CREDIT_INITIAL_AMOUNT=100"];
    private readonly string _directory = Directory.CreateTempSubdirectory("tally-upgrade-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task The_previous_release_serves_beside_this_one_on_a_postgres_schema_this_one_migrated()
    {
        Report();
        var database = await (await PgServer.SharedAsync()).CreateDatabaseAsync("upgrade");
        await MigrateAsync(database);
        var current = new SharedDatabaseServerFixture(database, Settings);

        // The old server starts first, on the already newer schema, as an instance not yet replaced would restart.
        await using (var previous = await release.ServeAsync(database, current.AdminKey))
        {
            await current.InitializeAsync();
            try
            {
                using var old = previous.Client();
                using var now = current.Client();
                var ledger = await DriveAsync(old, now);
                await ledger.CheckAsync(old);
                await ledger.CheckAsync(now);
                await ledger.CheckHistoryAlikeAsync(old, now);
            }
            finally
            {
                await current.DisposeAsync();
            }

            previous.Errors.ShouldBeEmpty(previous.Printed);
            current.Log.Errors.ShouldBeEmpty();
        }

        await VerifyAsync(database);
    }

    [Fact]
    public async Task The_previous_release_serves_a_sqlite_ledger_this_one_migrated_and_this_one_carries_on()
    {
        Report();
        var database = $"sqlite:{Path.Combine(_directory, "tally.db")}";
        await MigrateAsync(database);
        var current = new SharedDatabaseServerFixture(database, Settings);

        // SQLite is one process: the old server alone, then this release's in its place.
        Ledger ledger;
        await using (var previous = await release.ServeAsync(database, current.AdminKey))
        {
            using var old = previous.Client();
            ledger = await DriveAsync(old, old);
            await ledger.CheckAsync(old);
            previous.Errors.ShouldBeEmpty(previous.Printed);
        }

        await current.InitializeAsync();
        try
        {
            using var now = current.Client();
            await ledger.CheckAsync(now);
            var replay = (await now.PostAsync($"/v1/accounts/{ledger.A}/charges", new { amount = 30 }, ledger.ChargeKey)).Is(201);
            replay.Message.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
            replay.Node("entry.id").GetValue<string>().ShouldBe(ledger.ChargeEntry);
            (await now.PostAsync($"/v1/accounts/{ledger.B}/charges", new { amount = 8 })).Is(201);
            await (ledger with { ExpectedB = ledger.ExpectedB - 8, EntriesB = ledger.EntriesB + 1 }).CheckAsync(now);
            current.Log.Errors.ShouldBeEmpty();
        }
        finally
        {
            await current.DisposeAsync();
        }

        await VerifyAsync(database);
    }

    /// <summary>
    /// Two accounts made one on each server; grants; a charge on each whose idempotent retry goes to
    /// the other server; a hold placed on one and captured on the other, and one released across;
    /// transfers both ways, the second retried across.
    /// </summary>
    private static async Task<Ledger> DriveAsync(HttpClient first, HttpClient second)
    {
        var a = Api.NewAccount("upgrade");
        var b = Api.NewAccount("upgrade");
        (await first.PutAsync($"/v1/accounts/{a}", new { tier = "pro" })).Is(201);
        (await second.PutAsync($"/v1/accounts/{b}")).Is(201);
        (await second.PostAsync($"/v1/accounts/{a}/grants", new { amount = 50 })).Is(201);
        (await first.PostAsync($"/v1/accounts/{b}/grants", new { amount = 25, source = "purchase" })).Is(201);

        var (chargeKey, chargeEntry) = await RetriedAcrossAsync(first, second, $"/v1/accounts/{a}/charges", new { amount = 30 }, "entry.id");
        await RetriedAcrossAsync(second, first, $"/v1/accounts/{b}/charges", new { amount = 10 }, "entry.id");

        var captured = (await first.PostAsync($"/v1/accounts/{a}/holds", new { amount = 20 })).Is(201).Node("id").GetValue<string>();
        (await second.PostAsync($"/v1/holds/{captured}/capture", new { amount = 5 })).Is(200);
        var released = (await second.PostAsync($"/v1/accounts/{b}/holds", new { amount = 15 })).Is(201).Node("id").GetValue<string>();
        (await first.PostAsync($"/v1/holds/{released}/release")).Is(200);

        (await first.PostAsync("/v1/transfers", new { from = a, to = b, amount = 40 })).Is(201);
        await RetriedAcrossAsync(second, first, "/v1/transfers", new { from = b, to = a, amount = 7 }, "debit.id");

        // a: signup, grant, charge, capture, transfer out, transfer in; b: signup, grant, charge, transfer out, transfer in.
        return new Ledger(a, SignupGrant + 50 - 30 - 5 - 40 + 7, 6, captured, b, SignupGrant + 25 - 10 - 7 + 40, 5, released, chargeKey, chargeEntry);
    }

    /// <summary>Sends a keyed request to one server and its retry to the other: the retry replays the first answer.</summary>
    private static async Task<(string Key, string Id)> RetriedAcrossAsync(HttpClient first, HttpClient second, string path, object body, string idPath)
    {
        var key = Guid.NewGuid().ToString("N");
        var made = (await first.PostAsync(path, body, key)).Is(201);
        made.Message.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        var retried = (await second.PostAsync(path, body, key)).Is(201);
        retried.Message.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        var id = made.Node(idPath).GetValue<string>();
        retried.Node(idPath).GetValue<string>().ShouldBe(id);
        return (key, id);
    }

    private static async Task MigrateAsync(string database)
    {
        var console = new TestConsole();
        (await TallyCli.RunAsync(["migrate", "--database", database], console)).ShouldBe(0, console.Output);
    }

    /// <summary><c>tally verify</c> of this release, then of the previous one (its tools work on the new schema too).</summary>
    private async Task VerifyAsync(string database)
    {
        var console = new TestConsole();
        console.Profile.Width = 240;
        (await TallyCli.RunAsync(["verify", "--database", database], console)).ShouldBe(0, console.Output);
        console.Output.ShouldContain("0 violations");
        var old = await release.RunAsync("verify", "--database", database);
        old.ExitCode.ShouldBe(0, old.Printed);
        old.Output.ShouldContain("0 violations");
    }

    private void Report() => output.WriteLine($"previous release {release.Commit}: extracted and built in {release.BuildTime.TotalSeconds:0.0} s");

    /// <summary>What <see cref="DriveAsync"/> left: two accounts, their balances and entry counts, and the first keyed charge.</summary>
    private sealed record Ledger(
        string A, decimal ExpectedA, int EntriesA, string HoldA,
        string B, decimal ExpectedB, int EntriesB, string HoldB,
        string ChargeKey, string ChargeEntry)
    {
        /// <summary>Balances (no hold left active, so available is total), entry counts and hold states, as one server answers them.</summary>
        public async Task CheckAsync(HttpClient client)
        {
            foreach (var (account, expected, entries, hold, status) in new[] { (A, ExpectedA, EntriesA, HoldA, "captured"), (B, ExpectedB, EntriesB, HoldB, "released") })
            {
                var balance = (await client.FetchAsync($"/v1/accounts/{account}/balance")).Is(200);
                balance.Dec("balances.0.available").ShouldBe(expected, account);
                balance.Dec("balances.0.total").ShouldBe(expected, account);
                var history = (await client.FetchAsync($"/v1/accounts/{account}/entries?limit=50")).Is(200);
                history.Node("data").AsArray().Count.ShouldBe(entries, history.Text);
                history.Dec("data.0.balanceAfter").ShouldBe(expected, history.Text);
                var holds = (await client.FetchAsync($"/v1/accounts/{account}/holds")).Is(200);
                holds.Node("data.0.id").GetValue<string>().ShouldBe(hold);
                holds.Node("data.0.status").GetValue<string>().ShouldBe(status);
            }
        }

        /// <summary>Both servers list the same entries (ids, types, amounts, in order) for both accounts.</summary>
        public async Task CheckHistoryAlikeAsync(HttpClient first, HttpClient second)
        {
            foreach (var account in new[] { A, B })
            {
                var one = await EntriesAsync(first, account);
                var other = await EntriesAsync(second, account);
                other.ShouldBe(one);
            }
        }

        private static async Task<List<string>> EntriesAsync(HttpClient client, string account) =>
            [.. (await client.FetchAsync($"/v1/accounts/{account}/entries?limit=50")).Is(200).Node("data").AsArray()
                .Select(e => $"{e!["id"]} {e["type"]} {e["amount"]} {e["balanceAfter"]}")];
    }
}
