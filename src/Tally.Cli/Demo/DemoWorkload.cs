using Bogus;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Payments;
using Tally.Payments.Catalog;
using Tally.Payments.Pricing;
using Tally.Payments.Webhooks;

namespace Tally.Cli.Demo;

/// <summary>One demo customer: who they are and how they behave over the seeded days.</summary>
internal sealed record DemoCustomer(int Index, string Id, string Tier, int SignupDay, string? Plan, IReadOnlyDictionary<int, string> Purchases, int ActivityPercent);

/// <summary>What a seeding run did.</summary>
internal sealed record DemoTotals(int Accounts, int Payments, long RevenueMinor, int Charges, int Refused);

/// <summary>
/// A realistic history for <c>tally demo seed</c>: customers who sign up over the period (a welcome
/// grant expiring in 30 days), some buy credit packs, some subscribe (credits each 30 days, paid),
/// most use the demo features on some days — images, LLM tokens, video minutes — and some run out.
/// Everything goes through the ledger and the payment effects as real traffic would, on a clock
/// set to each day in turn, so the journal, lots, expiries and payments look like 90 days of use.
/// Deterministic for a given seed.
/// </summary>
internal sealed class DemoWorkload(CreditLedger ledger, IPaymentStore payments, PaymentEffects effects, DemoClock clock, int seed)
{
    private const string Provider = "demo";
    private int _payments;
    private long _revenue;
    private int _charges;
    private int _refused;

    public static IReadOnlyList<DemoCustomer> Customers(int count, int days, int seed)
    {
        var faker = new Faker { Random = new Randomizer(seed) };
        var customers = new List<DemoCustomer>(count);
        for (var i = 0; i < count; i++)
        {
            var name = new string(faker.Internet.UserName().ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-').ToArray());
            var signup = faker.Random.Int(0, days - 1);
            var plan = faker.Random.Int(1, 100) switch
            {
                <= 8 => "basic-monthly",
                <= 12 => "pro-monthly",
                _ => null,
            };
            var purchases = new Dictionary<int, string>();
            if (faker.Random.Int(1, 100) <= 35)
            {
                for (var n = faker.Random.Int(1, 3); n > 0; n--)
                {
                    purchases[faker.Random.Int(signup, days - 1)] = faker.PickRandom("starter", "starter", "pro", "studio");
                }
            }

            var tier = plan is not null || faker.Random.Int(1, 100) <= 5 ? "premium" : "free";
            customers.Add(new DemoCustomer(i, $"{name[..Math.Min(name.Length, 40)]}-{i}", tier, signup, plan, purchases, faker.Random.Int(5, 70)));
        }

        return customers;
    }

    public async Task DayAsync(IReadOnlyList<DemoCustomer> customers, IReadOnlyDictionary<string, CreditPackage> packages, IReadOnlyDictionary<string, SubscriptionPlan> plans, int day, CancellationToken ct)
    {
        await Parallel.ForEachAsync(customers, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = ct }, async (customer, token) =>
        {
            if (day < customer.SignupDay)
            {
                return;
            }

            var random = new Random(unchecked((seed * 1_000_003) + (customer.Index * 1_009) + day));
            if (day == customer.SignupDay)
            {
                await ledger.ExecuteAsync(new LedgerRequest(
                [
                    new EnsureAccount(customer.Id, Tier: customer.Tier),
                    new Grant(customer.Id, new Credits(100), Source: LotSource.Signup, ExpiresAt: clock.GetUtcNow().AddDays(30), Description: "Welcome credits"),
                ], BatchMode.Atomic, Actor: "demo"), token);
            }

            if (customer.Plan is { } planId && (day - customer.SignupDay) % 30 == 0 && plans.TryGetValue(planId, out var plan))
            {
                await SubscriptionPeriodAsync(customer, plan, day, token);
            }

            if (customer.Purchases.TryGetValue(day, out var packageId) && packages.TryGetValue(packageId, out var package))
            {
                await PurchaseAsync(customer, package, day, token);
            }

            if (random.Next(100) < customer.ActivityPercent)
            {
                await UseAsync(customer, random, token);
            }
        });
    }

    public DemoTotals Totals(int accounts) => new(accounts, _payments, _revenue, _charges, _refused);

    private async Task PurchaseAsync(DemoCustomer customer, CreditPackage package, int day, CancellationToken ct)
    {
        var payment = await payments.CreatePaymentOnceAsync(Paid(customer, day, PaymentKind.Package, package.Id, null, package.TotalCredits, package.Price), ct);
        await effects.GrantAsync(payment, payment.ProviderPaymentId!, ct);
        Count(payment);
    }

    private async Task SubscriptionPeriodAsync(DemoCustomer customer, SubscriptionPlan plan, int day, CancellationToken ct)
    {
        var payment = await payments.CreatePaymentOnceAsync(Paid(customer, day, PaymentKind.Plan, null, plan.Id, 0, plan.Price), ct);
        var grant = new Grant(customer.Id, new Credits(plan.CreditsPerPeriod), Source: LotSource.Subscription, ExpiresAt: clock.GetUtcNow().AddDays(30),
            Reference: PaymentEffects.LotReference(Provider, payment.ProviderPaymentId!), Description: $"{plan.Name} plan: this period's credits");
        await effects.RunAsync(PaymentEffects.Key(Provider, payment.ProviderPaymentId!, "period"), Provider, [grant], ct);
        Count(payment);
    }

    private async Task UseAsync(DemoCustomer customer, Random random, CancellationToken ct)
    {
        for (var uses = random.Next(1, 5); uses > 0; uses--)
        {
            var price = random.Next(10) switch
            {
                < 5 => Price.OfFeature("image.generate", new Micros(Micros.PerUnit * random.Next(1, 5))),
                < 9 => Price.OfFeature("llm.tokens", new Micros(Micros.PerUnit * random.Next(200, 4_000))),
                _ => Price.OfFeature("video.render", new Micros(Micros.PerUnit * random.Next(1, 3))),
            };
            var outcome = await ledger.ExecuteAsync(new Charge(customer.Id, price, "demo usage"), ct);
            if (outcome is Failure)
            {
                Interlocked.Increment(ref _refused);
                return;
            }

            Interlocked.Increment(ref _charges);
        }
    }

    private PaymentRecord Paid(DemoCustomer customer, int day, PaymentKind kind, string? package, string? plan, long credits, Money price)
    {
        var id = $"pay_demo_{seed}_{customer.Index}_{day}_{kind.ToString().ToLowerInvariant()}";
        var now = clock.GetUtcNow();
        return new PaymentRecord(id, customer.Id, kind, package, plan, credits, price, PaymentStatus.Succeeded, Provider, id, null, null, 0, 0, 0, null, now, now);
    }

    private void Count(PaymentRecord payment)
    {
        Interlocked.Increment(ref _payments);
        Interlocked.Add(ref _revenue, payment.Price.Amount);
    }
}

/// <summary>The demo's clock: set to each seeded day in turn, so entries carry that day's time.</summary>
internal sealed class DemoClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Set(DateTimeOffset at) => Interlocked.Exchange(ref _ticks, at.UtcTicks);
}
