using Shouldly;
using Tally.TestSupport.Postgres;
using Tally.TestSupport.Server;
using Xunit;

namespace Tally.Server.Tests;

/// <summary>
/// A server started on an empty database migrates it before anything reads it in the background:
/// the outbox relay once started beside the migration and logged "database is locked" (SQLite) on
/// every fresh start — found by running the single-file release on a new directory.
/// </summary>
public sealed class FreshStartTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_fresh_database_is_migrated_before_the_background_services_read_it(string kind)
    {
        var database = kind == "sqlite"
            ? $"sqlite:{Path.Combine(Directory.CreateTempSubdirectory("tally-fresh-").FullName, "tally.db")}"
            : await (await PgServer.SharedAsync()).CreateDatabaseAsync("fresh");
        var server = new SharedDatabaseServerFixture(database, ["--TALLY_SWEEP_INTERVAL_SECONDS=1", "--TALLY_RECONCILE_INTERVAL_SECONDS=1"]);
        await server.InitializeAsync();
        try
        {
            using var admin = server.Client();
            (await admin.GetAsync("/v1/accounts/fresh/balance")).StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
        }
        finally
        {
            await server.DisposeAsync();
        }

        server.Log.Errors.ShouldBeEmpty();
    }
}
