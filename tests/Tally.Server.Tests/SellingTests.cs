using Shouldly;
using Xunit;
using Tally.TestSupport.Server;

namespace Tally.Server.Tests;

public abstract partial class ApiTests<TFixture>
{
    [Fact]
    public async Task A_quote_prices_credits_exactly_with_the_best_tier_reached()
    {
        var quote = (await Admin.FetchAsync("/v1/pricing/quote?credits=1000")).Is(200);
        quote.Node("credits").GetValue<long>().ShouldBe(1000);
        quote.Node("basePrice.amount").GetValue<long>().ShouldBe(1000);
        quote.Node("basePrice.currency").GetValue<string>().ShouldBe("USD");
        quote.Dec("discountPercent").ShouldBe(15);
        quote.Node("tier").GetValue<long>().ShouldBe(1000);
        quote.Node("savings.amount").GetValue<long>().ShouldBe(150);
        quote.Node("price.amount").GetValue<long>().ShouldBe(850);

        (await Admin.FetchAsync("/v1/pricing/quote?credits=100")).Is(200).Json["tier"].ShouldBeNull();
        (await Admin.FetchAsync("/v1/pricing/quote?credits=9")).IsProblem(400, "validation_failed").Node("errors.credits").ShouldNotBeNull();
        (await Admin.FetchAsync("/v1/pricing/quote?credits=10001")).IsProblem(400, "validation_failed");
        (await Admin.FetchAsync("/v1/pricing/quote?credits=1e3")).IsProblem(400, "validation_failed");
        (await Admin.FetchAsync("/v1/pricing/quote")).IsProblem(400, "validation_failed");
    }

    [Fact]
    public async Task A_plans_break_even_and_a_features_margin_come_from_the_same_prices()
    {
        var plan = $"plan-{Guid.NewGuid():N}"[..20];
        (await Admin.PostAsync("/v1/plans", new { id = plan, name = "Pro", price = new { amount = 900 }, interval = "month", creditsPerPeriod = 5000 })).Is(201);
        var breakEven = (await Admin.FetchAsync($"/v1/pricing/plans/{plan}/break-even")).Is(200);
        breakEven.Node("breakEvenCredits").GetValue<long>().ShouldBe(1059, "999 credits cost $8.99; from 1,000 at 15 % off, 1,059 cost $9.00");
        breakEven.Node("payAsYouGoPrice.amount").GetValue<long>().ShouldBe(3750);
        breakEven.Node("savingsAtFullUse.amount").GetValue<long>().ShouldBe(2850);
        (await Admin.FetchAsync("/v1/pricing/plans/no-such-plan/break-even")).IsProblem(404, "not_found");
        var euro = $"plan-{Guid.NewGuid():N}"[..20];
        (await Admin.PostAsync("/v1/plans", new { id = euro, name = "Euro", price = new { amount = 900, currency = "EUR" }, interval = "month", creditsPerPeriod = 1000 })).Is(201);
        (await Admin.FetchAsync($"/v1/pricing/plans/{euro}/break-even")).IsProblem(409, "invalid_state");

        var feature = $"f.{Guid.NewGuid():N}"[..20];
        (await Admin.PostAsync("/v1/features", new { key = feature, cost = 5, unit = "credits" })).Is(201);
        var margin = (await Admin.FetchAsync($"/v1/pricing/features/{feature}/margin?costToServe=0.02")).Is(200);
        margin.Dec("revenueAtList").ShouldBe(0.05m);
        margin.Dec("marginAtBestTier").ShouldBe(0.0175m);
        margin.Dec("marginPercentAtList").ShouldBe(60m);
        margin.Node("breakEvenCreditsPerUse").GetValue<long>().ShouldBe(3);
        (await Admin.FetchAsync($"/v1/pricing/features/{feature}/margin")).IsProblem(400, "validation_failed").Node("errors.costToServe").ShouldNotBeNull();
        (await Admin.FetchAsync($"/v1/pricing/features/{feature}/margin?costToServe=-1")).IsProblem(400, "validation_failed");
        (await Admin.FetchAsync($"/v1/pricing/features/{feature}/margin?costToServe=0.0000001")).IsProblem(400, "validation_failed");
        (await Admin.FetchAsync("/v1/pricing/features/no.such/margin?costToServe=1")).IsProblem(404, "not_found");
    }

    [Fact]
    public async Task Packages_are_created_listed_and_changed_by_admins_only()
    {
        var id = $"pack-{Guid.NewGuid():N}"[..20];
        var created = (await Admin.PostAsync("/v1/packages", new { id, name = "Big pack", credits = 1000, bonusCredits = 100, dodoProductId = "prod_1", sortOrder = 5 })).Is(201);
        created.Node("price.amount").GetValue<long>().ShouldBe(850, "no price given: the quote for the credits");
        created.Node("bonusCredits").GetValue<long>().ShouldBe(100);
        created.Node("dodoProductId").GetValue<string>().ShouldBe("prod_1");
        (await Admin.PostAsync("/v1/packages", new { id, name = "Again", credits = 5 })).IsProblem(409, "invalid_state");

        var patched = (await Admin.SendAsync(HttpMethod.Patch, $"/v1/packages/{id}", new { price = new { amount = 999 }, active = false, dodoProductId = (string?)null })).Is(200);
        patched.Node("price.amount").GetValue<long>().ShouldBe(999);
        patched.Node("active").GetValue<bool>().ShouldBeFalse();
        patched.Json["dodoProductId"].ShouldBeNull();
        patched.Node("name").GetValue<string>().ShouldBe("Big pack");

        var listed = (await Admin.FetchAsync("/v1/packages")).Is(200).Node("data").AsArray();
        listed.Single(p => p!["id"]!.GetValue<string>() == id)!["price"]!["amount"]!.GetValue<long>().ShouldBe(999);

        var reader = Server.Client(await KeyAsync("read"));
        (await reader.FetchAsync("/v1/packages")).Is(200);
        (await reader.PostAsync("/v1/packages", new { name = "Sneaky", credits = 5 })).IsProblem(403, "forbidden");
        (await Admin.SendAsync(HttpMethod.Patch, "/v1/packages/nope", new { active = false })).IsProblem(404, "not_found");
    }

    [Fact]
    public async Task Package_and_plan_fields_are_all_reported_at_once()
    {
        var errors = (await Admin.PostAsync("/v1/packages", new { id = "bad id!", credits = 0, bonusCredits = -1, price = new { amount = -5, currency = "usd" } }))
            .IsProblem(400, "validation_failed").Node("errors").AsObject().Select(e => e.Key).ToArray();
        errors.ShouldBe(["id", "name", "credits", "bonusCredits", "price.amount", "price.currency"], ignoreOrder: true);

        var planErrors = (await Admin.PostAsync("/v1/plans", new { name = "P", interval = "week", creditsPerPeriod = 0, rolloverPercent = 101, rolloverCap = -1 }))
            .IsProblem(400, "validation_failed").Node("errors").AsObject().Select(e => e.Key).ToArray();
        planErrors.ShouldBe(["price.amount", "interval", "creditsPerPeriod", "rolloverPercent", "rolloverCap"], ignoreOrder: true);
        (await Admin.PostAsync("/v1/packages", new { name = "X", credits = 5, price = new { amount = 1, extra = 1 } })).IsProblem(400, "malformed_request");
    }

    [Fact]
    public async Task Plans_carry_credits_per_period_and_rollover_terms()
    {
        var name = $"Plan {Guid.NewGuid():N}"[..16];
        var created = (await Admin.PostAsync("/v1/plans", new { name, price = new { amount = 1999, currency = "EUR" }, interval = "year", creditsPerPeriod = 12000, rolloverPercent = 50, rolloverCap = 3000 })).Is(201);
        var id = created.Node("id").GetValue<string>();
        id.ShouldBe(name.ToLowerInvariant().Replace(' ', '-'));
        created.Node("interval").GetValue<string>().ShouldBe("year");
        created.Node("price.currency").GetValue<string>().ShouldBe("EUR");

        var patched = (await Admin.SendAsync(HttpMethod.Patch, $"/v1/plans/{id}", new { rolloverCap = (long?)null, interval = "month" })).Is(200);
        patched.Json["rolloverCap"].ShouldBeNull();
        patched.Node("interval").GetValue<string>().ShouldBe("month");
        patched.Node("rolloverPercent").GetValue<int>().ShouldBe(50);
        (await Admin.FetchAsync("/v1/plans")).Is(200).Node("data").AsArray().ShouldContain(p => p!["id"]!.GetValue<string>() == id);
    }
}
