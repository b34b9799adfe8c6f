using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Tally.Ui.Tests;

/// <summary>The portal's usage page and the embeddable balance widget (docs/ui.md).</summary>
public sealed class PortalUsageTests(BrowserFixture browser, ServerFixture server) : UiTest(browser, server)
{
    [Fact]
    public Task Usage_shows_this_months_consumption_by_feature_as_a_chart_and_a_table() => RunAsync(async page =>
    {
        var account = NewAccount("use");
        await EnsureAccountAsync(Server, account);
        await PortalApi.GrantAsync(Server, account, 500);
        await PortalApi.ChargeFeatureAsync(Server, account, "image.generate", 3); // 30 credits
        await PortalApi.ChargeFeatureAsync(Server, account, "image.generate", 1); // 10
        await PortalApi.ChargeFeatureAsync(Server, account, "video.render", 2); // 100
        await PortalApi.OpenPortalAsync(page, Server, account);
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Portal" }).GetByRole(AriaRole.Link, new() { Name = "Usage" }).ClickAsync();
        await page.WaitForURLAsync("**/portal/usage");
        await Expect(page.Locator("tr[data-feature=\"video.render\"] td")).ToHaveTextAsync(["1", "100"]);
        await Expect(page.Locator("tr[data-feature=\"image.generate\"] td")).ToHaveTextAsync(["2", "40"]);
        await Expect(page.Locator("tbody tr").First).ToHaveAttributeAsync("data-feature", "video.render");
        await Expect(page.Locator("svg.chart rect")).ToHaveCountAsync(2);
        await Expect(page.Locator("svg.chart title").First).ToHaveTextAsync("Credits used by feature, this month");
        await AssertAccessibleAsync(page);
    });

    [Fact]
    public async Task The_widget_shows_a_live_balance_on_the_host_apps_page()
    {
        const string host = "http://host.test";
        await using var tally = await ServerFixture.StartAsync(settings: new Dictionary<string, string> { ["TALLY_CORS_ORIGINS"] = host });
        await RunAsync(tally, async page =>
        {
            var account = NewAccount("widget");
            await EnsureAccountAsync(tally, account);
            await PortalApi.GrantAsync(tally, account, 900);
            var available = await PortalApi.AvailableAsync(tally, account);
            using var http = tally.CreateHttpClient(tally.AdminKey);
            using var minted = await http.PostAsJsonAsync(new Uri($"v1/accounts/{account}/client-tokens", UriKind.Relative), new JsonObject { ["ttlSeconds"] = 600 });
            var token = (string)(await minted.Content.ReadFromJsonAsync<JsonObject>())!["token"]!;

            // The widget is public and cacheable.
            var script = await page.Context.APIRequest.GetAsync("/ui/assets/widget.js");
            script.Status.ShouldBe(200);
            script.Headers["cache-control"].ShouldContain("public");
            script.Headers["content-type"].ShouldStartWith("text/javascript");

            // The host app's page, on its own origin, with its own strict CSP.
            var tallyOrigin = tally.BaseAddress.ToString().TrimEnd('/');
            await page.RouteAsync(host + "/app", route => route.FulfillAsync(new()
            {
                ContentType = "text/html",
                Headers = new Dictionary<string, string> { ["Content-Security-Policy"] = $"default-src 'self'; script-src {tallyOrigin}; connect-src {tallyOrigin}" },
                Body = $"""
                    <!doctype html><html lang="en"><head><title>Host app</title></head><body>
                    <header><span>Signed in as user</span> <script src="{tallyOrigin}/ui/assets/widget.js" data-account="{account}" data-token="{token}"></script></header>
                    <main><h1>Host app</h1></main></body></html>
                    """,
            }));
            await page.GotoAsync(host + "/app");
            var badge = page.Locator("[data-tally-widget]");
            await Expect(badge).ToHaveAttributeAsync("data-available", available.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Expect(badge.GetByRole(AriaRole.Status)).ToContainTextAsync("credits");

            await PortalApi.GrantAsync(tally, account, 100);
            await Expect(badge).ToHaveAttributeAsync("data-available", (available + 100).ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Expect(badge.GetByRole(AriaRole.Status)).ToContainTextAsync(PortalApi.Shown(available + 100));
        });
    }
}
