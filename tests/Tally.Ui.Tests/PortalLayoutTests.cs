namespace Tally.Ui.Tests;

/// <summary>Every portal page fits a 375 px phone: nothing wider than the screen but the tables' own scrolling.</summary>
public sealed class PortalLayoutTests(BrowserFixture browser, ServerFixture server) : UiTest(browser, server)
{
    public static readonly string[] Pages = ["/portal", "/portal/usage", "/portal/buy?credits=1200", "/portal/history", "/portal/subscription"];

    [Fact]
    public Task Every_portal_page_fits_a_phone() => RunAsync(async page =>
    {
        var account = NewAccount("phone");
        await Server.SimulatePurchaseAsync(account, planId: "basic-monthly");
        await PortalApi.ChargeFeatureAsync(Server, account, "image.generate", 2);
        await PortalApi.ChargeFeatureAsync(Server, account, "llm.tokens", 1500);
        await PortalApi.OpenPortalAsync(page, Server, account);
        await page.SetViewportSizeAsync(375, 800);
        var directory = Path.Combine(ScreenshotDirectory, "portal");
        Directory.CreateDirectory(directory);
        foreach (var path in Pages)
        {
            await page.GotoAsync(path);
            var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
            width.ShouldBeLessThanOrEqualTo(375, $"{path} is wider than the phone");
            await AssertAccessibleAsync(page);
            await page.ScreenshotAsync(new() { Path = Path.Combine(directory, path.Trim('/').Split('?')[0].Replace('/', '-') + "-phone.png"), FullPage = true });
        }
    });
}
