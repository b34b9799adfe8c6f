using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Rules;
using Tally.Ledger.Storage;

namespace Tally.Bench;

/// <summary>Library-level charge loads over any store (group commit on unless <paramref name="groupCommit"/> is false: one transaction per request).</summary>
public sealed class LedgerScenarios(ILedgerStore store, int? lanes = null, RuleSet? rules = null, bool groupCommit = true)
{
    /// <summary>The feature <c>--rules</c> runs charge (1 credit per use), with or without rules on it.</summary>
    public const string RuleFeature = "bench.rules";

    private readonly CreditLedger _ledger = new(store, new LedgerOptions
    {
        InitialAmount = 0,
        MaxBalance = 1_000_000_000_000,
        MaxPerOperation = 1_000_000_000_000,
        GroupCommit = groupCommit,
        GroupCommitLanes = lanes,
        Rules = rules ?? RuleSet.Empty,
    }, TimeProvider.System);

    /// <summary>A first-use discount and a small daily allowance on <see cref="RuleFeature"/>: after a few charges per account both are loaded and checked, neither changes the amount.</summary>
    public static RuleSet BenchRules() => new(
    [
        new RuleDefinition { Name = "bench-first-use", Kind = RuleKinds.FirstUseDiscount, Feature = RuleFeature, Percent = 50, Priority = 2 },
        new RuleDefinition { Name = "bench-allowance", Kind = RuleKinds.FreeAllowance, Feature = RuleFeature, Credits = 5, Period = RulePeriods.Day, Priority = 1 },
    ], []);

    public async Task EnsureRuleFeatureAsync() =>
        await store.SaveFeatureAsync(new Tally.Ledger.Model.FeatureInfo(RuleFeature, Micros.One, UnitInfo.DefaultKey, "bench", true), create: true, DateTimeOffset.UtcNow, CancellationToken.None);

    /// <summary>Five feature charges per account (first use taken, allowance used up), 500 accounts per batch.</summary>
    public async Task PrimeRulesAsync(string[] accounts, string hot)
    {
        foreach (var chunk in accounts.Append(hot).Chunk(500))
        {
            for (var round = 0; round < 6; round++)
            {
                await _ledger.ExecuteAsync(new LedgerRequest(chunk.Select(id => (LedgerCommand)new Charge(id, Price.OfFeature(RuleFeature))).ToList(), BatchMode.Independent));
            }
        }
    }

    public Task<LoadResult> ChargeFeatureRandomAsync(string name, string[] accounts, int callers, TimeSpan warmup, TimeSpan duration) =>
        LoadRun.RunAsync(name, callers, warmup, duration, async (_, random) =>
            await _ledger.ExecuteAsync(new Charge(accounts[random.Next(accounts.Length)], Price.OfFeature(RuleFeature))) is EntryResult);

    public Task<LoadResult> ChargeFeatureHotAsync(string name, string account, int callers, TimeSpan warmup, TimeSpan duration) =>
        LoadRun.RunAsync(name, callers, warmup, duration, async (_, _) =>
            await _ledger.ExecuteAsync(new Charge(account, Price.OfFeature(RuleFeature))) is EntryResult);

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
