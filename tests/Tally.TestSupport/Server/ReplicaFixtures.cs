using Tally.TestSupport.Postgres;
using Xunit;

namespace Tally.TestSupport.Server;

/// <summary>
/// A Tally server over a primary with TALLY_DATABASE_READ set to its hot standby (<see cref="PgStandby"/>),
/// one pair of clusters for the whole test class.
/// </summary>
public sealed class ReplicaServerFixture : IAsyncLifetime
{
    public PgStandby Clusters { get; private set; } = null!;

    public SharedDatabaseServerFixture Server { get; private set; } = null!;

    /// <summary>The primary's database.</summary>
    public string Database { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Clusters = await PgStandby.StartAsync();
        Database = await Clusters.CreateDatabaseAsync("replica");
        Server = new SharedDatabaseServerFixture(Database, [$"--TALLY_DATABASE_READ={Clusters.StandbyOf(Database)}"]);
        await Server.InitializeAsync();
        await Clusters.CatchUpAsync(); // the migrations the server ran at start
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        if (Clusters is not null)
        {
            await Clusters.DisposeAsync();
        }
    }
}

/// <summary>
/// A Tally server whose TALLY_DATABASE goes through pgbouncer in transaction pooling mode
/// (<c>Max Auto Prepare=0</c>), with TALLY_DATABASE_LISTEN a direct connection for the change feed.
/// </summary>
public sealed class PgBouncerServerFixture : IAsyncLifetime
{
    public PgBouncer Bouncer { get; private set; } = null!;

    public SharedDatabaseServerFixture Server { get; private set; } = null!;

    /// <summary>The database's direct connection string.</summary>
    public string Database { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var postgres = await PgServer.SharedAsync();
        Bouncer = await PgBouncer.StartAsync(postgres);
        Database = await postgres.CreateDatabaseAsync("pgbouncer");
        Server = new SharedDatabaseServerFixture(
            Bouncer.Through(Database, "Max Auto Prepare=0"),
            [$"--TALLY_DATABASE_LISTEN={Database}"]);
        await Server.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        if (Bouncer is not null)
        {
            await Bouncer.DisposeAsync();
        }
    }
}
