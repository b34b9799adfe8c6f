using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Tally.Payments;

namespace Tally.Ui.Tests;

/// <summary>Payments and the inbound webhook log in the admin panel.</summary>
public sealed class AdminPaymentsTests(BrowserFixture browser, ServerFixture server) : UiTest(browser, server)
{
    [Fact]
    public Task A_sandbox_purchase_shows_in_payments_with_its_refund_and_its_webhook_can_be_reprocessed() => RunAsync(async page =>
    {
        var account = NewAccount("pay");
        var purchase = await Server.SimulatePurchaseAsync(account, "starter");
        await Server.SimulateRefundAsync(purchase, 100);
        await SignInAsync(page);

        await page.GotoAsync("/admin/payments");
        await AssertAccessibleAsync(page);
        await page.GetByLabel("Account").FillAsync(account);
        await page.GetByLabel("Status").SelectOptionAsync("partially_refunded");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        var row = page.Locator("tr", new() { Has = page.GetByRole(AriaRole.Link, new() { Name = purchase.PaymentId }) });
        await Assertions.Expect(row).ToContainTextAsync("partially_refunded");
        await Assertions.Expect(page.Locator("tbody tr")).ToHaveCountAsync(1);
        await page.GetByLabel("Status").SelectOptionAsync("failed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(page.GetByText("No payments match.")).ToBeVisibleAsync();

        await page.GotoAsync($"/admin/payments/{purchase.PaymentId}");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync($"Payment {purchase.PaymentId}");
        await Assertions.Expect(page.GetByRole(AriaRole.Table)).ToContainTextAsync("refund");
        await Assertions.Expect(page.GetByRole(AriaRole.Table)).ToContainTextAsync("1.00 USD");
        await AssertAccessibleAsync(page);

        // The webhook that paid it is in the log, with its payload.
        var stored = (await Server.Services.GetRequiredService<IPaymentStore>().ListWebhookEventsAsync(null, 200, CancellationToken.None))
            .First(w => w.Type == "payment.succeeded" && w.Payload.Contains(purchase.ProviderPaymentId, StringComparison.Ordinal));
        await page.GotoAsync("/admin/payments/webhook-events");
        await AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = stored.EventId, Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("pre")).ToContainTextAsync(purchase.ProviderPaymentId);
        await Assertions.Expect(page.Locator("[data-status]")).ToHaveTextAsync("applied");
        await AssertAccessibleAsync(page);
        var attempts = int.Parse((await page.Locator("[data-attempts]").TextContentAsync())!, System.Globalization.CultureInfo.InvariantCulture);

        var balance = await Server.BalanceAsync(account);
        await page.GetByRole(AriaRole.Button, new() { Name = "Re-process" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Re-processed: its effects are applied (nothing is applied twice).");
        await Assertions.Expect(page.Locator("[data-attempts]")).ToHaveTextAsync((attempts + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        (await Server.BalanceAsync(account)).ShouldBe(balance);
    });
}
