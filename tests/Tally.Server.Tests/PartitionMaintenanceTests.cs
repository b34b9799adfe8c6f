using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Tally.Ledger.Postgres;
using Tally.Server.Hosting;
using Tally.TestSupport.Postgres;
using Xunit;

namespace Tally.Server.Tests;

/// <summary>
/// The server keeps the journal's month partitions ahead (docs/operations.md, "Journal
/// partitions"): at start, then at every hourly tick of its clock — a fake one here, advanced by
/// hand; the polls only wait for the background task to notice a tick, with a generous deadline.
/// </summary>
public sealed class PartitionMaintenanceTests
{
    [Fact]
    public async Task The_maintainer_creates_the_coming_months_at_start_and_the_next_one_when_the_clock_reaches_it()
    {
        await using var store = new PostgresLedgerStore(await (await PgServer.SharedAsync()).CreateDatabaseAsync("partition-maintainer"));
        await store.MigrateAsync(CancellationToken.None);
        var clock = new FakeTimeProvider(new DateTimeOffset(2038, 6, 30, 23, 30, 0, TimeSpan.Zero));
        using var maintainer = new JournalPartitionMaintainer(store, clock, NullLogger<JournalPartitionMaintainer>.Instance);

        await maintainer.StartAsync(CancellationToken.None);
        try
        {
            await UntilAsync(store, "entries_2038_09");
            (await NamesAsync(store)).ShouldNotContain("entries_2038_10");

            clock.Advance(JournalPartitionMaintainer.Interval);
            await UntilAsync(store, "entries_2038_10");
        }
        finally
        {
            await maintainer.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<List<string>> NamesAsync(PostgresLedgerStore store) =>
        (await store.ListPartitionsAsync(CancellationToken.None)).Select(p => p.Name).ToList();

    private static async Task UntilAsync(PostgresLedgerStore store, string partition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await NamesAsync(store)).Contains(partition))
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"{partition} was not created");
            await Task.Delay(20);
        }
    }
}
