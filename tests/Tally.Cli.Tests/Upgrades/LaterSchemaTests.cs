using Microsoft.Data.Sqlite;
using Npgsql;
using Shouldly;
using Spectre.Console.Testing;
using Tally.TestSupport.Postgres;
using Tally.TestSupport.Server;
using Xunit;

namespace Tally.Cli.Tests.Upgrades;

/// <summary>
/// This release as the previous one of the next: it must keep serving on a schema a later release
/// migrated (docs/operations.md, "Upgrades"). A migration it does not know is not an error: it
/// applies its own, counts none pending, and /readyz answers 200.
/// </summary>
public sealed class LaterSchemaTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tally-later-schema-").FullName;

    public static TheoryData<string> Stores => new() { "sqlite", "postgres" };

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_schema_with_a_migration_from_a_later_release_starts_ready_and_serves(string kind)
    {
        var database = kind == "sqlite" ? $"sqlite:{Path.Combine(_directory, "tally.db")}" : await (await PgServer.SharedAsync()).CreateDatabaseAsync("later");
        (await RunAsync(database, "migrate")).Code.ShouldBe(0);
        await RecordLaterMigrationAsync(database);

        var again = await RunAsync(database, "migrate");
        again.Code.ShouldBe(0, again.Output);
        again.Output.ShouldContain("0 migration(s) applied");

        var server = new SharedDatabaseServerFixture(database);
        await server.InitializeAsync();
        try
        {
            using var client = server.Client();
            (await client.FetchAsync("/readyz")).Is(200);
            await client.FundedAsync(10);
            server.Log.Errors.ShouldBeEmpty();
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>What a later release's migration 9999 leaves behind: its row in schema_migrations, and a table.</summary>
    private static async Task RecordLaterMigrationAsync(string database)
    {
        const string Sql = "CREATE TABLE later_release_things (id integer PRIMARY KEY); INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_later_release', ";
        if (database.StartsWith("sqlite:", StringComparison.Ordinal))
        {
            await using var connection = new SqliteConnection($"Data Source={database["sqlite:".Length..]}");
            await connection.OpenAsync();
            await using var command = new SqliteCommand(Sql + "datetime('now'))", connection);
            await command.ExecuteNonQueryAsync();
        }
        else
        {
            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(Sql + "now())", connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string database, params string[] args)
    {
        var console = new TestConsole();
        console.Profile.Width = 240;
        var code = await TallyCli.RunAsync([.. args, "--database", database], console);
        return (code, console.Output);
    }
}
