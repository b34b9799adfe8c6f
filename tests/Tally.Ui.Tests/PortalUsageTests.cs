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
        await page.ExpectUrlAsync("**/portal/usage");
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
        // The host app on another origin of the same machine (browsers let only loopback pages reach
        // loopback servers): Tally at 127.0.0.1, the host page at localhost, on a port known up front
        // so that Tally can list the host in TALLY_CORS_ORIGINS.
        var port = FreePort();
        var host = $"http://localhost:{port}";
        await using var tally = await ServerFixture.StartAsync(settings: new Dictionary<string, string>
        {
            ["urls"] = $"http://127.0.0.1:{port}",
            ["TALLY_CORS_ORIGINS"] = host,
        });
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

            // Some page of the host's origin (here: any HTML page the server answers at localhost), whose
            // header gets the tag a host app would write.
            await page.GotoAsync(host + "/sandbox/dodo/checkout/none");
            await page.EvaluateAsync(
                """
                ([src, account, token]) => {
                  const header = document.createElement("header");
                  const tag = document.createElement("script");
                  tag.src = src;
                  tag.dataset.account = account;
                  tag.dataset.token = token;
                  header.appendChild(tag);
                  document.body.prepend(header);
                }
                """,
                new[] { tally.BaseAddress.ToString().TrimEnd('/') + "/ui/assets/widget.js", account, token });
            var badge = page.Locator("[data-tally-widget]");
            await Expect(badge).ToHaveAttributeAsync("data-available", available.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Expect(badge.GetByRole(AriaRole.Status)).ToContainTextAsync("credits");

            await PortalApi.GrantAsync(tally, account, 100);
            await Expect(badge).ToHaveAttributeAsync("data-available", (available + 100).ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Expect(badge.GetByRole(AriaRole.Status)).ToContainTextAsync(PortalApi.Shown(available + 100));
        });
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
