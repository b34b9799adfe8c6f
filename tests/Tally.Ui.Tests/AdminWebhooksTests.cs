using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Tally.Server.Features.Webhooks;

namespace Tally.Ui.Tests;

/// <summary>Outbound webhook endpoints in the admin panel: the SSRF guard, the secret once, deliveries and replay.</summary>
public sealed class AdminWebhooksTests(BrowserFixture browser, ServerFixture server) : UiTest(browser, server)
{
    [Fact]
    public Task The_ssrf_guard_refuses_a_private_url() => RunAsync(async page =>
    {
        await SignInAsync(page);
        await page.GotoAsync("/admin/webhooks");
        await AssertAccessibleAsync(page);
        await page.GetByLabel("URL").FillAsync("http://127.0.0.1:9/hook");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add endpoint" }).ClickAsync();
        await Assertions.Expect(page.Locator("#url-error")).ToHaveTextAsync("must be an https:// URL");
        await AssertAccessibleAsync(page);
    });

    [Fact]
    public async Task An_endpoint_is_created_with_its_secret_once_and_its_failed_delivery_replayed()
    {
        await using var own = await ServerFixture.StartAsync(settings: new Dictionary<string, string>
        {
            ["TALLY_WEBHOOKS_ALLOW_PRIVATE_URLS"] = "true",
            ["TALLY_WEBHOOK_WORKERS"] = "false",
        });
        await RunAsync(own, async page =>
        {
            // Tally itself answers 404 here: a delivery that fails, deterministically.
            var url = new Uri(own.BaseAddress, "no-such-hook").ToString();
            await SignInAsync(page);
            await page.GotoAsync("/admin/webhooks");
            await page.GetByLabel("URL").FillAsync(url);
            await page.GetByLabel("Description").FillAsync("UI test receiver");
            await page.GetByRole(AriaRole.Button, new() { Name = "Add endpoint" }).ClickAsync();
            await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Endpoint added");
            var secret = (await page.Locator("[data-secret]").TextContentAsync())!.Trim();
            secret.ShouldStartWith("whsec_");
            await AssertAccessibleAsync(page);

            await page.GetByRole(AriaRole.Link, new() { Name = "Back to the endpoints" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = url })).ToBeVisibleAsync();
            (await page.ContentAsync()).ShouldNotContain(secret);

            await EnsureAccountAsync(own, NewAccount("hook"));
            var relay = own.Services.GetRequiredService<OutboxRelay>();
            while ((await relay.RelayOnceAsync(CancellationToken.None)).Rows > 0)
            {
            }

            (await own.Services.GetRequiredService<DeliveryWorker>().DeliverOnceAsync(CancellationToken.None)).ShouldBeGreaterThan(0);

            await page.GetByRole(AriaRole.Link, new() { Name = url }).ClickAsync();
            var failed = page.Locator("tbody tr").Filter(new() { HasText = "failed" }).First;
            await Assertions.Expect(failed).ToContainTextAsync("404");
            await AssertAccessibleAsync(page);
            await failed.GetByRole(AriaRole.Button, new() { Name = "Replay" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Replay queued: a new attempt sends the event again (same webhook-id).");
            await Assertions.Expect(page.Locator("tbody tr").Filter(new() { HasText = "pending" })).Not.ToHaveCountAsync(0);

            await page.GotoAsync("/admin/webhooks");
            await page.GetByRole(AriaRole.Button, new() { Name = "Delete " + url }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Endpoint deleted, with its delivery history.");
            await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = url })).ToHaveCountAsync(0);
        });
    }
}
