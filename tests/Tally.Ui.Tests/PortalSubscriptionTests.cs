using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Tally.Ui.Tests;

/// <summary>The portal's subscription page (docs/ui.md): the period's credits as a bar, the 80 % warning, billing at the provider.</summary>
public sealed class PortalSubscriptionTests(BrowserFixture browser, ServerFixture server) : UiTest(browser, server)
{
    [Fact]
    public Task The_bar_turns_amber_then_red_and_the_warning_appears_at_80_percent() => RunAsync(async page =>
    {
        var account = NewAccount("sub");
        await Server.SimulatePurchaseAsync(account, planId: "basic-monthly"); // 1,000 credits a period
        await PortalApi.ChargeAsync(Server, account, 740);
        await PortalApi.OpenPortalAsync(page, Server, account);
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Portal" }).GetByRole(AriaRole.Link, new() { Name = "Subscription" }).ClickAsync();
        await page.ExpectUrlAsync("**/portal/subscription");
        var bar = page.Locator("progress#period-usage");
        var warning = page.GetByRole(AriaRole.Status).Filter(new() { HasText = "of this period's credits" });
        await Expect(page.Locator("[data-plan=\"basic-monthly\"]")).ToContainTextAsync("Basic");
        await Expect(page.GetByText("740 of 1,000 credits used (74 %)")).ToBeVisibleAsync();
        await Expect(bar).ToHaveAttributeAsync("data-level", "green");
        await Expect(warning).ToHaveCountAsync(0);
        await Expect(page.GetByText("Renews on")).ToBeVisibleAsync();
        await AssertAccessibleAsync(page);

        await PortalApi.ChargeAsync(Server, account, 60);
        await page.ReloadAsync();
        await Expect(bar).ToHaveAttributeAsync("data-level", "amber");
        await Expect(warning).ToBeVisibleAsync();
        await Expect(warning).ToContainTextAsync("You have used 80 % of this period's credits.");
        await AssertAccessibleAsync(page);

        await PortalApi.ChargeAsync(Server, account, 100);
        await page.ReloadAsync();
        await Expect(bar).ToHaveAttributeAsync("data-level", "red");
        await Expect(warning).ToContainTextAsync("You have used 90 %");
        await AssertAccessibleAsync(page);

        // Billing is managed on the provider's page (the sandbox's in the demo), which links back.
        await page.GetByRole(AriaRole.Button, new() { Name = "Manage billing" }).ClickAsync();
        await page.ExpectUrlAsync("**/sandbox/dodo/portal/**");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Billing" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Back" })).ToHaveAttributeAsync("href", Server.BaseAddress.ToString().TrimEnd('/') + "/portal/subscription");
    });

    [Fact]
    public Task Without_a_subscription_the_page_points_to_the_plans() => RunAsync(async page =>
    {
        var account = NewAccount("nosub");
        await EnsureAccountAsync(Server, account);
        await PortalApi.OpenPortalAsync(page, Server, account);
        await page.GotoAsync("/portal/subscription");
        await Expect(page.GetByText("You have no subscription.")).ToBeVisibleAsync();
        await AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "See the plans" }).ClickAsync();
        await page.ExpectUrlAsync("**/portal/buy#plans");
        await Expect(page.Locator("[data-plan=\"basic-monthly\"]")).ToBeVisibleAsync();
    });
}
