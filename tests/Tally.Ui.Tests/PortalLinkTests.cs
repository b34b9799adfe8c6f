using Microsoft.Playwright;

namespace Tally.Ui.Tests;

/// <summary>Portal links (docs/ui.md): one use, a short life, one account.</summary>
public sealed class PortalLinkTests(BrowserFixture browser, ServerFixture server) : UiTest(browser, server)
{
    [Fact]
    public Task A_link_opens_the_portal_once_and_is_refused_after() => RunAsync(async page =>
    {
        var account = NewAccount();
        await EnsureAccountAsync(Server, account);
        var link = await PortalLinkAsync(Server, account);
        await page.GotoAsync(link);
        await page.ExpectUrlAsync("**/portal");
        (await page.Locator("[data-live-balance]").GetAttributeAsync("data-account")).ShouldBe(account);
        await AssertAccessibleAsync(page);

        // Again, in another browser (or after the first session): refused.
        await page.Context.ClearCookiesAsync();
        var again = await page.GotoAsync(link);
        again!.Status.ShouldBe(410);
        (await page.Locator("h1").TextContentAsync()).ShouldBe("This link was already used");
        await AssertAccessibleAsync(page);
        await page.GotoAsync("/portal");
        page.Url.ShouldContain("/portal/signed-out");
    });

    [Fact]
    public async Task An_expired_link_is_refused()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ServerFixture.StartAsync(clock);
        await RunAsync(server, async page =>
        {
            var account = NewAccount();
            await EnsureAccountAsync(server, account);
            var link = await PortalLinkAsync(server, account, ttlSeconds: 60);
            clock.Advance(TimeSpan.FromSeconds(61));
            var response = await page.GotoAsync(link);
            response!.Status.ShouldBe(410);
            (await page.Locator("h1").TextContentAsync()).ShouldBe("This link has expired");
        });
    }

    [Fact]
    public Task A_link_for_one_account_never_shows_another() => RunAsync(async page =>
    {
        var alice = NewAccount("a");
        var bob = NewAccount("b");
        await EnsureAccountAsync(Server, alice);
        await EnsureAccountAsync(Server, bob);
        await page.GotoAsync(await PortalLinkAsync(Server, alice));
        await page.ExpectUrlAsync("**/portal");

        // The portal has no account in its addresses to change; the session's stream token reads only its own account.
        var token = await page.Locator("[data-live-balance]").GetAttributeAsync("data-token");
        var other = await page.Context.APIRequest.GetAsync($"/v1/accounts/{bob}/balance", new() { Headers = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token } });
        other.Status.ShouldBe(403);
        var own = await page.Context.APIRequest.GetAsync($"/v1/accounts/{alice}/balance", new() { Headers = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token } });
        own.Status.ShouldBe(200);
        (await page.ContentAsync()).ShouldNotContain(bob);
    });

    [Fact]
    public Task An_unknown_or_mangled_link_is_refused() => RunAsync(async page =>
    {
        var response = await page.GotoAsync("/portal/open?token=tally_pl_not-a-real-token");
        response!.Status.ShouldBe(404);
        (await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).TextContentAsync()).ShouldBe("This link is not valid");
    });
}
