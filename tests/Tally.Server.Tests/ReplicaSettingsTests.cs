using Microsoft.Extensions.Configuration;
using Shouldly;
using Tally.Server.Hosting;
using Tally.TestSupport.Postgres;
using Xunit;

namespace Tally.Server.Tests;

/// <summary>TALLY_DATABASE_READ and TALLY_DATABASE_LISTEN are checked at start and name themselves when wrong.</summary>
public sealed class ReplicaSettingsTests
{
    [Theory]
    [InlineData("TALLY_DATABASE_READ")]
    [InlineData("TALLY_DATABASE_LISTEN")]
    public void A_replica_or_listen_connection_beside_sqlite_is_refused(string setting)
    {
        var error = Should.Throw<SettingsException>(() => Load(("TALLY_DATABASE", "sqlite:tally.db"), (setting, "Host=127.0.0.1;Database=tally")));

        error.Message.ShouldContain(setting);
        error.Message.ShouldContain("PostgreSQL TALLY_DATABASE");
    }

    [Fact]
    public void A_read_setting_that_is_no_connection_string_is_refused()
    {
        var error = Should.Throw<SettingsException>(() => Load(("TALLY_DATABASE", "Host=127.0.0.1;Database=tally"), ("TALLY_DATABASE_READ", "replica.example.com")));

        error.Message.ShouldContain("TALLY_DATABASE_READ must be a PostgreSQL connection string");
    }

    [Fact]
    public void Replica_and_listen_settings_beside_postgres_are_accepted()
    {
        var options = Load(("TALLY_DATABASE", "Host=127.0.0.1;Database=tally"), ("TALLY_DATABASE_READ", "postgres://tally@replica:5432/tally"), ("TALLY_DATABASE_LISTEN", "Host=primary;Database=tally"));

        options.DatabaseRead.ShouldBe("postgres://tally@replica:5432/tally");
        options.DatabaseListen.ShouldBe("Host=primary;Database=tally");
    }

    [Fact]
    public async Task A_read_replica_that_does_not_answer_stops_the_start()
    {
        var database = await (await PgServer.SharedAsync()).CreateDatabaseAsync("replica_down");
        var nowhere = new Npgsql.NpgsqlConnectionStringBuilder(database) { Port = PgServer.FreePort(), Timeout = 5 }.ConnectionString;

        var problem = await PgBouncerTests.StartFailureAsync(database, $"--TALLY_DATABASE_READ={nowhere}");

        problem.ShouldStartWith("TALLY_DATABASE_READ does not answer");
    }

    private static TallyOptions Load(params (string Key, string Value)[] settings) =>
        TallyOptions.Load(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build());
}
