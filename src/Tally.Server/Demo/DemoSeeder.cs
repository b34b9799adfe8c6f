using Tally.Access;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Server.Auth;

namespace Tally.Server.Demo;

/// <summary>
/// <c>--demo</c>: a few features, accounts with history, and a fresh admin API key printed to the
/// console, so a newcomer can curl a charge at once. Safe to run on every start (it adds what is
/// missing and a new key each time).
/// </summary>
public static class DemoSeeder
{
    /// <returns>The demo API key's secret.</returns>
    public static async Task<string> SeedAsync(CreditLedger ledger, IAccessStore access, TimeProvider time, CancellationToken ct)
    {
        var now = ledger.Now();
        FeatureInfo[] features =
        [
            new("image.generate", new Micros(10_000_000), UnitInfo.DefaultKey, "One generated image", true),
            new("llm.tokens", new Micros(2_000), UnitInfo.DefaultKey, "Per LLM token (0.002 credits, rounded up per call)", true),
            new("video.render", new Micros(50_000_000), UnitInfo.DefaultKey, "One rendered video minute", true),
        ];
        foreach (var feature in features)
        {
            await ledger.Store.SaveFeatureAsync(feature, create: true, now, ct);
        }

        if (await ledger.GetAccountAsync("demo-alice", ct) is null)
        {
            LedgerCommand[] commands =
            [
                new Grant("demo-alice", new Credits(500), Source: LotSource.Purchase, Description: "Starter pack", Reference: "demo-payment-1"),
                new Grant("demo-alice", new Credits(50), Source: LotSource.Promo, Priority: 10, ExpiresAt: now.AddDays(30), Features: ["image.generate"], Description: "Launch promo: images only"),
                new Charge("demo-alice", Price.OfFeature("image.generate", new Micros(2_000_000)), "Two cat pictures"),
                new Charge("demo-alice", Price.OfFeature("llm.tokens", new Micros(1_234_000_000)), "Chat reply"),
                new Grant("demo-bob", new Credits(20), Source: LotSource.Promo, ExpiresAt: now.AddDays(7), Description: "Trial credits"),
                new EnsureAccount("demo-carol", Tier: "premium", OverdraftLimit: 50),
            ];
            await ledger.ExecuteAsync(new LedgerRequest(commands, BatchMode.Independent, Actor: "demo"), ct);
        }

        var (secret, record) = ApiKeys.Create("demo", [Scopes.Admin], time.GetUtcNow());
        await access.CreateApiKeyAsync(record, ct);
        return secret;
    }

    /// <summary>What the console shows once the demo server listens.</summary>
    public static string Banner(string secret, string url) =>
        $"\n  Tally demo: accounts demo-alice, demo-bob, demo-carol; features image.generate, llm.tokens, video.render.\n" +
        $"  Demo API key (admin; a new one each start): {secret}\n" +
        $"  API reference: {url}/docs\n" +
        $"  Try: curl -s -H \"Authorization: Bearer {secret}\" {url}/v1/accounts/demo-alice/balance\n";
}
