using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Tally.Ui.Tests;

/// <summary>Buying in the portal (docs/ui.md): packs through the sandbox checkout, the custom-amount builder, the live balance.</summary>
public sealed class PortalBuyTests(BrowserFixture browser, ServerFixture server) : UiTest(browser, server)
{
    [Fact]
    public Task A_customer_buys_a_pack_in_the_sandbox_and_sees_the_balance_rise() => RunAsync(async page =>
    {
        var account = NewAccount("buy");
        await EnsureAccountAsync(Server, account);
        var before = await PortalApi.AvailableAsync(Server, account);
        await PortalApi.OpenPortalAsync(page, Server, account);
        await Expect(PortalApi.LiveBalance(page)).ToHaveTextAsync(PortalApi.Shown(before));
        await AssertAccessibleAsync(page);

        await page.GetByRole(AriaRole.Navigation, new() { Name = "Portal" }).GetByRole(AriaRole.Link, new() { Name = "Buy credits" }).ClickAsync();
        await page.ExpectUrlAsync("**/portal/buy");
        await AssertAccessibleAsync(page);
        await page.Locator("[data-package=\"starter\"]").GetByRole(AriaRole.Button, new() { Name = "Buy Starter" }).ClickAsync();

        // The sandbox's hosted checkout page, then back to the portal's result page.
        await page.ExpectUrlAsync("**/sandbox/dodo/checkout/**");
        await page.GetByRole(AriaRole.Button, new() { Name = "Pay", Exact = true }).ClickAsync();
        await page.ExpectUrlAsync("**/portal/checkout/result?payment=pay_*");
        await Expect(page.Locator("#payment-status")).ToHaveTextAsync("Payment received: 500 credits added.");
        await Expect(PortalApi.LiveBalance(page)).ToHaveTextAsync(PortalApi.Shown(before + 500));
        await AssertAccessibleAsync(page);

        // The balance page shows the purchase in its own row of the split.
        await page.GotoAsync("/portal");
        await Expect(page.Locator("tr[data-source=\"Purchased\"] td").First).ToHaveTextAsync("500");
    });

    [Fact]
    public Task The_result_page_waits_for_the_webhook_and_then_shows_the_new_balance_without_a_reload() => RunAsync(async page =>
    {
        var account = NewAccount("wait");
        await EnsureAccountAsync(Server, account);
        var before = await PortalApi.AvailableAsync(Server, account);
        await PortalApi.OpenPortalAsync(page, Server, account);
        await page.GotoAsync("/portal/buy");
        await page.Locator("[data-package=\"starter\"]").GetByRole(AriaRole.Button).ClickAsync();
        await page.ExpectUrlAsync("**/sandbox/dodo/checkout/**");
        var session = new Uri(page.Url).Segments[^1];

        // Back on the portal before paying (as when the provider's redirect beats its webhook): waiting.
        await page.GoBackAsync();
        await page.ExpectUrlAsync("**/portal/buy");
        var payments = await page.Context.APIRequest.GetAsync($"/v1/payments?account={account}", new() { Headers = new Dictionary<string, string> { ["Authorization"] = "Bearer " + Server.AdminKey } });
        var paymentId = System.Text.Json.JsonDocument.Parse(await payments.TextAsync()).RootElement.GetProperty("data")[0].GetProperty("id").GetString();
        await page.GotoAsync("/portal/checkout/result?payment=" + paymentId);
        var status = page.Locator("#payment-status");
        await Expect(status).ToHaveTextAsync("Waiting for the payment to be confirmed…");
        await Expect(PortalApi.LiveBalance(page)).ToHaveTextAsync(PortalApi.Shown(before));
        await AssertAccessibleAsync(page);

        // The payment is made (its webhook lands) while the page is open: status and balance follow.
        await PortalApi.PostAsync(Server, $"sandbox/dodo/sandbox/checkouts/{session}/pay", new());
        await Expect(status).ToHaveTextAsync("Payment received: 500 credits added.");
        await Expect(PortalApi.LiveBalance(page)).ToHaveTextAsync(PortalApi.Shown(before + 500));
        page.Url.ShouldEndWith("/portal/checkout/result?payment=" + paymentId);
    });

    [Fact]
    public Task The_balance_page_follows_a_grant_made_while_it_is_open() => RunAsync(async page =>
    {
        var account = NewAccount("live");
        await EnsureAccountAsync(Server, account);
        var before = await PortalApi.AvailableAsync(Server, account);
        await PortalApi.OpenPortalAsync(page, Server, account);
        await Expect(PortalApi.LiveBalance(page)).ToHaveTextAsync(PortalApi.Shown(before));
        var url = page.Url;

        await PortalApi.GrantAsync(Server, account, 1234);
        await Expect(PortalApi.LiveBalance(page)).ToHaveTextAsync(PortalApi.Shown(before + 1234));
        page.Url.ShouldBe(url);
    });

    [Fact]
    public Task A_low_balance_shows_a_banner_that_follows_the_live_balance() => RunAsync(async page =>
    {
        var account = NewAccount("low");
        await EnsureAccountAsync(Server, account);
        var before = await PortalApi.AvailableAsync(Server, account);
        if (before > 0)
        {
            await PortalApi.ChargeAsync(Server, account, before);
        }

        await PortalApi.OpenPortalAsync(page, Server, account);
        var banner = page.Locator(".low-balance[data-low-for=\"credits\"]");
        await Expect(banner).ToBeVisibleAsync();
        await Expect(banner).ToContainTextAsync("balance is low");
        await AssertAccessibleAsync(page);

        await PortalApi.GrantAsync(Server, account, 500);
        await Expect(PortalApi.LiveBalance(page)).ToHaveTextAsync("500");
        await Expect(banner).ToBeHiddenAsync();
    });

    [Fact]
    public Task A_paid_checkout_that_fails_says_so_and_leaves_the_balance() => RunAsync(async page =>
    {
        var account = NewAccount("fail");
        await EnsureAccountAsync(Server, account);
        var before = await PortalApi.AvailableAsync(Server, account);
        await PortalApi.OpenPortalAsync(page, Server, account);
        await page.GotoAsync("/portal/buy?credits=750");
        await page.GetByRole(AriaRole.Button, new() { Name = "Buy 750 credits for $6.75" }).ClickAsync();
        await page.ExpectUrlAsync("**/sandbox/dodo/checkout/**");
        await page.GetByRole(AriaRole.Button, new() { Name = "Fail", Exact = true }).ClickAsync();
        await page.ExpectUrlAsync("**/portal/checkout/result?payment=pay_*");
        await Expect(page.Locator("#payment-status")).ToHaveTextAsync("The payment did not go through. Nothing was charged.");
        await Expect(PortalApi.LiveBalance(page)).ToHaveTextAsync(PortalApi.Shown(before));
        await AssertAccessibleAsync(page);
    });

    [Fact]
    public Task The_result_page_of_another_accounts_payment_is_not_found() => RunAsync(async page =>
    {
        var other = NewAccount("other");
        var bought = await Server.SimulatePurchaseAsync(other, "starter");
        var account = NewAccount("mine");
        await EnsureAccountAsync(Server, account);
        await PortalApi.OpenPortalAsync(page, Server, account);
        var response = await page.GotoAsync("/portal/checkout/result?payment=" + bought.PaymentId);
        response!.Status.ShouldBe(404);
        (await page.ContentAsync()).ShouldNotContain(other);
        var status = await page.Context.APIRequest.GetAsync($"/portal/payments/{bought.PaymentId}/status");
        status.Status.ShouldBe(404);
        await AssertAccessibleAsync(page);
    });

    // Explicit pricing: 0.05 a credit, 10 % from 200, 20 % from 2,000 (the defaults' tiers dropped), 10 to 5,000 a purchase.
    private static readonly Dictionary<string, string> Pricing = new()
    {
        ["CREDIT_BASE_PRICE"] = "0.05",
        ["CREDIT_BULK_DISCOUNT_500"] = "0",
        ["CREDIT_BULK_DISCOUNT_1000"] = "0",
        ["CREDIT_BULK_DISCOUNT_5000"] = "0",
        ["CREDIT_BULK_DISCOUNT_200"] = "10",
        ["CREDIT_BULK_DISCOUNT_2000"] = "20",
        ["CREDIT_MIN_PURCHASE"] = "10",
        ["CREDIT_MAX_PURCHASE"] = "5000",
    };

    // credits → base, tier, savings, price: just below, at and just above each threshold.
    private static readonly (string Credits, string Base, string Tier, string Savings, string Price)[] Boundaries =
    [
        ("199", "$9.95", "No discount", "$0.00", "$9.95"),
        ("200", "$10.00", "10 % off (200 credits or more)", "$1.00", "$9.00"),
        ("201", "$10.05", "10 % off (200 credits or more)", "$1.00", "$9.05"),
        ("1999", "$99.95", "10 % off (200 credits or more)", "$9.99", "$89.96"),
        ("2000", "$100.00", "20 % off (2,000 credits or more)", "$20.00", "$80.00"),
        ("2001", "$100.05", "20 % off (2,000 credits or more)", "$20.01", "$80.04"),
    ];

    [Fact]
    public async Task The_builder_prices_each_side_of_a_tier_as_the_customer_types()
    {
        await using var priced = await ServerFixture.StartAsync(settings: Pricing);
        await RunAsync(priced, async page =>
        {
            var account = NewAccount("tier");
            await EnsureAccountAsync(priced, account);
            await PortalApi.OpenPortalAsync(page, priced, account);
            await page.GotoAsync("/portal/buy");
            await Expect(page.Locator("#credits-help")).ToContainTextAsync("10 % off from 200, 20 % off from 2,000 credits");
            var input = page.GetByLabel("Credits", new() { Exact = true });
            foreach (var (credits, basePrice, tier, savings, price) in Boundaries)
            {
                await input.FillAsync(credits);
                await Expect(page.Locator("[data-quote-field=\"price\"]")).ToHaveTextAsync(price);
                await Expect(page.Locator("[data-quote-field=\"base\"]")).ToHaveTextAsync(basePrice);
                await Expect(page.Locator("[data-quote-field=\"tier\"]")).ToHaveTextAsync(tier);
                await Expect(page.Locator("[data-quote-field=\"savings\"]")).ToHaveTextAsync(savings);
                await Expect(page.Locator("[data-quote-field=\"buy\"]")).ToHaveTextAsync($"Buy {PortalApi.Shown(decimal.Parse(credits, System.Globalization.CultureInfo.InvariantCulture))} credits for {price}");
            }

            await AssertAccessibleAsync(page);

            // Outside the limits: a field error, and no Buy button.
            await input.FillAsync("5001");
            await Expect(page.Locator("#credits-error")).ToHaveTextAsync("Credits must be from 10 to 5,000.");
            await Expect(page.Locator("[data-quote]")).ToBeHiddenAsync();
            await Expect(input).ToHaveAttributeAsync("aria-invalid", "true");
            await input.FillAsync("9");
            await Expect(page.Locator("#credits-error")).ToHaveTextAsync("Credits must be from 10 to 5,000.");
            await AssertAccessibleAsync(page);

            // The API's quote says the same.
            var api = await page.Context.APIRequest.GetAsync("/v1/pricing/quote?credits=2000", new() { Headers = new Dictionary<string, string> { ["Authorization"] = "Bearer " + priced.AdminKey } });
            api.Status.ShouldBe(200);
            (await api.TextAsync()).ShouldContain("\"amount\":8000");
        });
    }

    [Fact]
    public async Task The_builder_prices_on_the_server_without_javascript()
    {
        await using var priced = await ServerFixture.StartAsync(settings: Pricing);
        await RunAsync(priced, async page =>
        {
            await using var context = await page.Context.Browser!.NewContextAsync(new() { BaseURL = priced.BaseAddress.ToString().TrimEnd('/'), JavaScriptEnabled = false });
            var plain = await context.NewPageAsync();
            var account = NewAccount("nojs");
            await EnsureAccountAsync(priced, account);
            await PortalApi.OpenPortalAsync(plain, priced, account);
            await plain.GotoAsync("/portal/buy");
            foreach (var (credits, basePrice, tier, savings, price) in Boundaries)
            {
                await plain.GetByLabel("Credits", new() { Exact = true }).FillAsync(credits);
                await plain.GetByRole(AriaRole.Button, new() { Name = "Get price" }).ClickAsync();
                await plain.ExpectUrlAsync($"**/portal/buy?credits={credits}");
                (await plain.Locator("[data-quote-field=\"base\"]").TextContentAsync()).ShouldBe(basePrice);
                (await plain.Locator("[data-quote-field=\"tier\"]").TextContentAsync()).ShouldBe(tier);
                (await plain.Locator("[data-quote-field=\"savings\"]").TextContentAsync()).ShouldBe(savings);
                (await plain.Locator("[data-quote-field=\"price\"]").TextContentAsync()).ShouldBe(price);
            }

            var refused = await plain.GotoAsync("/portal/buy?credits=abc");
            refused!.Status.ShouldBe(200);
            (await plain.Locator("#credits-error").TextContentAsync()).ShouldBe("Enter a whole number of credits.");
            await plain.GotoAsync("/portal/buy?credits=6000");
            (await plain.Locator("#credits-error").TextContentAsync()).ShouldBe("Credits must be from 10 to 5,000.");
            (await plain.Locator("[data-quote]").IsHiddenAsync()).ShouldBeTrue();

            // The server-priced Buy works without the script too: it opens the checkout at the quoted price.
            await plain.GotoAsync("/portal/buy?credits=2000");
            await plain.GetByRole(AriaRole.Button, new() { Name = "Buy 2,000 credits for $80.00" }).ClickAsync();
            await plain.ExpectUrlAsync("**/sandbox/dodo/checkout/**");
            (await plain.Locator(".price").TextContentAsync()).ShouldNotBeNull().ShouldContain("80.00");

            // And the JS page passes the accessibility check with a server quote on it.
            await PortalApi.OpenPortalAsync(page, priced, account);
            await page.GotoAsync("/portal/buy?credits=abc");
            await AssertAccessibleAsync(page);
        });
    }

    [Fact]
    public Task Submitting_the_same_buy_form_twice_opens_one_checkout() => RunAsync(async page =>
    {
        var account = NewAccount("twice");
        await EnsureAccountAsync(Server, account);
        await PortalApi.OpenPortalAsync(page, Server, account);
        await page.GotoAsync("/portal/buy");
        var form = page.Locator("[data-package=\"pro\"] form");
        var key = await form.Locator("input[name=key]").GetAttributeAsync("value");
        var token = await form.Locator("input[name=__RequestVerificationToken]").GetAttributeAsync("value");
        var fields = new Dictionary<string, string> { ["packageId"] = "pro", ["key"] = key!, ["__RequestVerificationToken"] = token! };
        var first = await page.Context.APIRequest.PostAsync("/portal/buy", new() { Form = Form(page, fields), MaxRedirects = 0 });
        first.Status.ShouldBe(303);
        first.Headers["location"].ShouldContain("/sandbox/dodo/checkout/");
        var second = await page.Context.APIRequest.PostAsync("/portal/buy", new() { Form = Form(page, fields), MaxRedirects = 0 });
        second.Status.ShouldBe(303);
        second.Headers["location"].ShouldEndWith("/portal/checkout/result?payment=pay_" + key);
    });

    private static IFormData Form(IPage page, Dictionary<string, string> fields)
    {
        var form = page.Context.APIRequest.CreateFormData();
        foreach (var (name, value) in fields)
        {
            form.Set(name, value);
        }

        return form;
    }
}
