using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Tally.Ui.Tests;

/// <summary>
/// What every browser test shares: a fresh browser context (own cookies) per test, sign-in and
/// portal helpers, the accessibility check, and a screenshot under
/// <c>TestResults/screenshots/</c> when a test fails.
/// </summary>
[Collection(UiCollection.Name)]
public abstract class UiTest(BrowserFixture browser, ServerFixture server)
{
    /// <summary>Where failing tests leave their screenshots (CI keeps the folder).</summary>
    public static readonly string ScreenshotDirectory = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    protected TallyTestServer Server => server.Server;

    /// <summary>Runs <paramref name="test"/> in a new page; on failure saves a full-page screenshot, then rethrows.</summary>
    protected Task RunAsync(Func<IPage, Task> test, [CallerMemberName] string name = "") =>
        RunAsync(Server, test, name);

    protected async Task RunAsync(TallyTestServer on, Func<IPage, Task> test, [CallerMemberName] string name = "")
    {
        ArgumentNullException.ThrowIfNull(on);
        ArgumentNullException.ThrowIfNull(test);
        await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = on.BaseAddress.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        try
        {
            await test(page);
        }
        catch
        {
            Directory.CreateDirectory(ScreenshotDirectory);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, $"{GetType().Name}.{name}.png"), FullPage = true });
            throw;
        }
    }

    /// <summary>Signs in through the login form as the fixture's admin user.</summary>
    protected static async Task SignInAsync(IPage page, string email = ServerFixture.AdminEmail, string password = ServerFixture.AdminPassword)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.GotoAsync("/admin/login");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    /// <summary>Mints a portal link for the account through the API (as a host app's backend does).</summary>
    protected static async Task<string> PortalLinkAsync(TallyTestServer on, string account, int? ttlSeconds = null, string? returnUrl = null)
    {
        ArgumentNullException.ThrowIfNull(on);
        using var http = on.CreateHttpClient(on.AdminKey);
        var body = new JsonObject();
        if (ttlSeconds is { } ttl)
        {
            body["ttlSeconds"] = ttl;
        }

        if (returnUrl is not null)
        {
            body["returnUrl"] = returnUrl;
        }

        using var response = await http.PostAsJsonAsync(new Uri($"v1/accounts/{account}/portal-links", UriKind.Relative), body);
        response.EnsureSuccessStatusCode();
        var link = await response.Content.ReadFromJsonAsync<JsonObject>();
        return (string)link!["url"]!;
    }

    /// <summary>Creates the account (with the signup grant) through the API.</summary>
    protected static async Task EnsureAccountAsync(TallyTestServer on, string account)
    {
        ArgumentNullException.ThrowIfNull(on);
        using var http = on.CreateHttpClient(on.AdminKey);
        using var response = await http.PutAsJsonAsync(new Uri($"v1/accounts/{account}", UriKind.Relative), new JsonObject());
        response.EnsureSuccessStatusCode();
    }

    /// <summary>axe-core's WCAG 2 A/AA rules on the page as it stands: no violations.</summary>
    protected static async Task AssertAccessibleAsync(IPage page)
    {
        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
        });
        var violations = result.Violations.Select(v => $"{v.Id} ({v.Impact}): {v.Help} — {string.Join(", ", v.Nodes.Take(3).Select(n => string.Join(" ", n.Target)))}").ToList();
        violations.ShouldBeEmpty($"accessibility violations on {page.Url}");
    }

    /// <summary>A unique account id for this test.</summary>
    protected static string NewAccount(string prefix = "ui") => $"{prefix}-{Guid.NewGuid():N}"[..20];
}
