using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Storage;

namespace Tally.Bench;

/// <summary>Library-level charge loads over any store.</summary>
public sealed class LedgerScenarios(ILedgerStore store, int? lanes = null)
{
    private readonly CreditLedger _ledger = new(store, new LedgerOptions
    {
        InitialAmount = 0,
        MaxBalance = 1_000_000_000_000,
        MaxPerOperation = 1_000_000_000_000,
        GroupCommitLanes = lanes,
    }, TimeProvider.System);

    public CreditLedger Ledger => _ledger;

    /// <summary>Creates <paramref name="count"/> accounts named <c>{prefix}-{i}</c>, each with a balance that will not run out.</summary>
    public async Task<string[]> SeedAsync(string prefix, int count)
    {
        var ids = Enumerable.Range(0, count).Select(i => $"{prefix}-{i}").ToArray();
        foreach (var chunk in ids.Chunk(500))
        {
            var grants = chunk.Select(id => (LedgerCommand)new Grant(id, new Credits(1_000_000_000))).ToList();
            var outcome = await _ledger.ExecuteAsync(new LedgerRequest(grants, BatchMode.Independent));
            if (!outcome.Results.All(r => r.Succeeded))
            {
                throw new InvalidOperationException($"seeding failed: {outcome.Results.First(r => !r.Succeeded)}");
            }
        }

        return ids;
    }

    public Task<LoadResult> ChargeRandomAsync(string name, string[] accounts, int callers, TimeSpan warmup, TimeSpan duration) =>
        LoadRun.RunAsync(name, callers, warmup, duration, async (_, random) =>
            await _ledger.ExecuteAsync(new Charge(accounts[random.Next(accounts.Length)], Price.Of(new Credits(1)))) is EntryResult);

    public Task<LoadResult> ChargeHotAsync(string name, string account, int callers, TimeSpan warmup, TimeSpan duration) =>
        LoadRun.RunAsync(name, callers, warmup, duration, async (_, _) =>
            await _ledger.ExecuteAsync(new Charge(account, Price.Of(new Credits(1)))) is EntryResult);
}
