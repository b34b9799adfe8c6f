using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Tally.Ledger.Analytics;
using Microsoft.Playwright;

namespace Tally.Ui.Tests;

/// <summary>
/// Every page, at a desktop and a phone width: it answers, nothing spills sideways off a 375 px
/// screen (wide tables scroll inside their own box), and axe-core finds no WCAG A/AA violation.
/// With TALLY_SCREENSHOTS set to a folder it also saves each page there (docs/screenshots/take.sh).
/// </summary>
public sealed class PageTourTests(BrowserFixture browser, ServerFixture server) : UiTest(browser, server)
{
    private static readonly (string Name, int Width, int Height)[] Sizes = [("desktop", 1280, 900), ("phone", 375, 812)];

    [Fact]
    public async Task Every_admin_page_fits_a_phone_and_passes_the_accessibility_check()
    {
        var account = NewAccount("tour");
        await EnsureAccountAsync(Server, account);
        await Server.SimulatePurchaseAsync(account, "starter");
        await UseAsync(account);
        foreach (var (other, pack) in new[] { ("pro", "pro"), ("studio", "studio"), ("starter", "starter") })
        {
            var customer = NewAccount(other);
            await EnsureAccountAsync(Server, customer);
            await Server.SimulatePurchaseAsync(customer, pack);
            await UseAsync(customer);
        }

        // The dashboard reads the rollups: fold now rather than wait for the background folder.
        await RollupFolder.FoldAllAsync(Server.Services.GetRequiredService<IAnalyticsStore>(), Server.Services.GetRequiredService<TimeProvider>(), retentionDays: 90);
        string[] pages = ["/admin", $"/admin/accounts", $"/admin/accounts/{account}", "/admin/catalog", "/admin/payments",
            "/admin/payments/webhook-events", "/admin/webhooks", "/admin/api-keys", "/admin/fraud", "/admin/audit"];
        await TourAsync("admin", pages, page => SignInAsync(page));
    }

    [Fact]
    public async Task Every_portal_page_fits_a_phone_and_passes_the_accessibility_check()
    {
        var account = NewAccount("tour");
        await EnsureAccountAsync(Server, account);
        await Server.SimulatePurchaseAsync(account, "starter");
        await Server.SimulatePurchaseAsync(account, planId: "basic-monthly");
        await UseAsync(account);
        string[] pages = ["/portal", "/portal/usage", "/portal/buy", "/portal/buy?credits=2500", "/portal/history", "/portal/subscription"];
        await TourAsync("portal", pages, async page => await page.GotoAsync(await PortalLinkAsync(Server, account)));
    }

    [Fact]
    public Task The_front_and_sign_in_pages_fit_a_phone_and_pass_the_accessibility_check() =>
        TourAsync("public", ["/", "/admin/login"], _ => Task.CompletedTask);

    /// <summary>Some use of the demo features, so the usage, history and journal pages have rows.</summary>
    private async Task UseAsync(string account)
    {
        using var http = Server.CreateHttpClient(Server.AdminKey);
        foreach (var (feature, quantity) in new[] { ("image.generate", 3), ("llm.tokens", 2000), ("video.render", 1), ("image.generate", 5) })
        {
            using var response = await http.PostAsJsonAsync(new Uri($"v1/accounts/{account}/charges", UriKind.Relative), new { feature, quantity });
            response.EnsureSuccessStatusCode();
        }
    }

    private async Task TourAsync(string area, IReadOnlyList<string> paths, Func<IPage, Task> signIn)
    {
        foreach (var (size, width, height) in Sizes)
        {
            await RunAsync(async page =>
            {
                await page.SetViewportSizeAsync(width, height);
                await signIn(page);
                foreach (var path in paths)
                {
                    var response = await page.GotoAsync(path);
                    if (response is null || response.Status == 404)
                    {
                        continue; // a page not built yet; the page's own tests cover what exists
                    }

                    response.Status.ShouldBe(200, path);
                    var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
                    overflow.ShouldBeLessThanOrEqualTo(0, $"{path} is wider than a {width} px screen by {overflow} px");
                    await AssertAccessibleAsync(page);
                    if (Environment.GetEnvironmentVariable("TALLY_SCREENSHOTS") is { Length: > 0 } folder)
                    {
                        Directory.CreateDirectory(folder);
                        var name = $"{area}{path.Replace("/admin", "", StringComparison.Ordinal).Replace("/portal", "", StringComparison.Ordinal)}"
                            .Replace('/', '-').Replace('?', '-').Replace('=', '-').TrimEnd('-');
                        name = System.Text.RegularExpressions.Regex.Replace(name, "tour-[0-9a-f]+", "account");
                        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, $"{name}-{size}.png"), FullPage = true });
                    }
                }
            }, $"{area}-{size}");
        }
    }
}
