using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Tally.Ledger.Analytics;

namespace Tally.Ui.Tests;

/// <summary>The admin dashboard (docs/ui.md): the analytics reports as charts and tables, or a note when analytics is off.</summary>
public sealed class AdminDashboardTests(BrowserFixture browser, ServerFixture server) : UiTest(browser, server)
{
    [Fact]
    public async Task The_dashboard_shows_revenue_credit_flows_liability_and_top_spenders()
    {
        await using var own = await ServerFixture.StartAsync(settings: new Dictionary<string, string> { ["CREDIT_ENABLE_ANALYTICS"] = "true" });
        var account = NewAccount("dash");
        await EnsureAccountAsync(own, account);
        await own.SimulatePurchaseAsync(account, "starter");
        using (var http = own.CreateHttpClient(own.AdminKey))
        using (var charged = await http.PostAsJsonAsync(new Uri($"v1/accounts/{account}/charges", UriKind.Relative), new JsonObject { ["amount"] = 7 }))
        {
            charged.EnsureSuccessStatusCode();
        }

        // The background folder runs on a timer; fold now instead of waiting for it.
        await RollupFolder.FoldAllAsync(own.Services.GetRequiredService<IAnalyticsStore>(), own.Services.GetRequiredService<TimeProvider>(), retentionDays: 90);

        await RunAsync(own, async page =>
        {
            await SignInAsync(page);
            await page.ExpectUrlAsync("**/admin");
            await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Dashboard");
            await Assertions.Expect(page.Locator("#stat-accounts")).ToHaveTextAsync("1");
            await Assertions.Expect(page.Locator("#stat-active")).ToHaveTextAsync("1");
            await Assertions.Expect(page.Locator("#stat-paying")).ToHaveTextAsync("1");
            await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "credits issued, consumed and expired per day" })).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "Outstanding credits, paid vs granted, per unit" })).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("svg[role=img][aria-labelledby^=revenue-]")).ToHaveCountAsync(1);
            var spenders = page.Locator("table", new() { Has = page.GetByText("Rank") });
            await Assertions.Expect(spenders.Locator("tbody tr")).ToHaveCountAsync(1);
            await Assertions.Expect(spenders.Locator("tbody tr")).ToContainTextAsync(account);
            await Assertions.Expect(spenders.Locator("tbody tr")).ToContainTextAsync("7 credits");
            await AssertAccessibleAsync(page);

            // A bad range is refused with a field error and the default range shown.
            await page.GotoAsync("/admin?from=2026-13-01");
            await Assertions.Expect(page.Locator("#dash-from-error")).ToHaveTextAsync("must be a date (yyyy-mm-dd)");
            await AssertAccessibleAsync(page);
        });
    }

    [Fact]
    public async Task With_analytics_off_the_dashboard_says_how_to_turn_it_on()
    {
        await using var own = await ServerFixture.StartAsync(settings: new Dictionary<string, string> { ["CREDIT_ENABLE_ANALYTICS"] = "false" });
        await EnsureAccountAsync(own, NewAccount("off"));
        await RunAsync(own, async page =>
        {
            await SignInAsync(page);
            await page.ExpectUrlAsync("**/admin");
            await Assertions.Expect(page.GetByRole(AriaRole.Note)).ToContainTextAsync("CREDIT_ENABLE_ANALYTICS=true");
            await Assertions.Expect(page.Locator("#stat-accounts")).ToHaveTextAsync("1");
            await AssertAccessibleAsync(page);
        });
    }
}
