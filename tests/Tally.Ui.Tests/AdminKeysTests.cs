using Microsoft.Playwright;

namespace Tally.Ui.Tests;

/// <summary>API keys in the admin panel: the secret shown once, listed without it, revoked keys refused by the API.</summary>
public sealed class AdminKeysTests(BrowserFixture browser, ServerFixture server) : UiTest(browser, server)
{
    [Fact]
    public Task A_key_is_shown_once_listed_without_its_secret_and_refused_once_revoked() => RunAsync(async page =>
    {
        var name = "ui-key-" + Guid.NewGuid().ToString("N")[..8];
        await SignInAsync(page);
        await page.GotoAsync("/admin/api-keys");
        await AssertAccessibleAsync(page);

        // No scope ticked: refused with the API's message, nothing created.
        await page.GetByLabel("Name").FillAsync(name);
        await page.GetByLabel("read").UncheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        await Assertions.Expect(page.Locator("#scopes-error")).ToHaveTextAsync("must list one or more of read, charge, grant, admin");
        await AssertAccessibleAsync(page);
        await Assertions.Expect(page.GetByRole(AriaRole.Rowheader, new() { Name = name })).ToHaveCountAsync(0);

        await page.GetByLabel("read").CheckAsync();
        await page.GetByLabel("charge").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("API key created");
        await Assertions.Expect(page.GetByText("it will not be shown again")).ToBeVisibleAsync();
        var secret = (await page.Locator("[data-secret]").TextContentAsync())!.Trim();
        secret.ShouldStartWith("tally_sk_");
        await AssertAccessibleAsync(page);

        using (var http = Server.CreateHttpClient(secret))
        {
            (await http.GetAsync(new Uri("v1/packages", UriKind.Relative))).IsSuccessStatusCode.ShouldBeTrue();
        }

        await page.GetByRole(AriaRole.Link, new() { Name = "Done: back to the keys" }).ClickAsync();
        var row = page.Locator("tr", new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = name, Exact = true }) });
        await Assertions.Expect(row).ToContainTextAsync("read, charge");
        (await page.ContentAsync()).ShouldNotContain(secret);

        await row.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Key revoked: it is refused from now on.");
        await Assertions.Expect(row).ToContainTextAsync("revoked");
        using (var http = Server.CreateHttpClient(secret))
        {
            ((int)(await http.GetAsync(new Uri("v1/packages", UriKind.Relative))).StatusCode).ShouldBe(401);
        }
    });
}
