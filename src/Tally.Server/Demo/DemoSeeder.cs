using Tally.Access;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Payments;
using Tally.Payments.Catalog;
using Tally.Payments.Pricing;
using Tally.Payments.Providers;
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
    public static async Task<string> SeedAsync(CreditLedger ledger, IAccessStore access, IPaymentStore payments, TimeProvider time, CancellationToken ct)
    {
        var now = ledger.Now();
        await SeedCatalogAsync(ledger, payments, now, ct);

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

    /// <summary>The demo's features: images, LLM tokens and video minutes.</summary>
    public static IReadOnlyList<FeatureInfo> Features { get; } =
    [
        new("image.generate", new Micros(10_000_000), UnitInfo.DefaultKey, "One generated image", true),
        new("llm.tokens", new Micros(2_000), UnitInfo.DefaultKey, "Per LLM token (0.002 credits, rounded up per call)", true),
        new("video.render", new Micros(50_000_000), UnitInfo.DefaultKey, "One rendered video minute", true),
    ];

    /// <summary>
    /// The features, three credit packs and two plans (prices in US cents, each a product in the
    /// DodoPayments sandbox); what exists already is left as it is.
    /// </summary>
    public static async Task SeedCatalogAsync(CreditLedger ledger, IPaymentStore payments, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(payments);
        foreach (var feature in Features)
        {
            await ledger.Store.SaveFeatureAsync(feature, create: true, now, ct);
        }

        CreditPackage[] packages =
        [
            new("starter", "Starter", 500, 0, new Money(499, "USD"), "prod_demo_starter", true, 1),
            new("pro", "Pro", 2_000, 200, new Money(1_799, "USD"), "prod_demo_pro", true, 2),
            new("studio", "Studio", 10_000, 2_500, new Money(7_499, "USD"), "prod_demo_studio", true, 3),
        ];
        foreach (var package in packages)
        {
            await payments.SavePackageAsync(package, create: true, now, ct);
        }

        SubscriptionPlan[] plans =
        [
            new("basic-monthly", "Basic", new Money(999, "USD"), BillingInterval.Month, 1_000, 25, 500, "prod_demo_basic", true),
            new("pro-monthly", "Pro", new Money(2_999, "USD"), BillingInterval.Month, 5_000, 50, 5_000, "prod_demo_pro_plan", true),
        ];
        foreach (var plan in plans)
        {
            await payments.SavePlanAsync(plan, create: true, now, ct);
        }
    }

    /// <summary>What the console shows once the demo server listens.</summary>
    /// <summary>The demo's admin user; its password is new at each start and printed in the banner.</summary>
    public const string AdminEmail = "admin@tally.local";

    public static string Banner(string secret, string url, string? adminPassword = null) =>
        $"\n  Tally demo: accounts demo-alice, demo-bob, demo-carol; features image.generate, llm.tokens, video.render;\n" +
        $"  packages starter, pro, studio; plans basic-monthly, pro-monthly.\n" +
        $"  Demo API key (admin; a new one each start): {secret}\n" +
        (adminPassword is null ? "" :
        $"  Admin panel: {url}/admin  —  sign in as {AdminEmail} / {adminPassword} (a new password each start)\n" +
        $"  Customer portal for demo-alice: {url}/demo/portal\n") +
        $"  API reference: {url}/docs\n" +
        $"  Try: curl -s -H \"Authorization: Bearer {secret}\" {url}/v1/accounts/demo-alice/balance\n";
}
