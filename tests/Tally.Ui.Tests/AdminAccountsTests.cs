using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Tally.Access;

namespace Tally.Ui.Tests;

/// <summary>The admin panel's accounts (docs/ui.md): search, an account's page, and the changes an admin makes there.</summary>
public sealed class AdminAccountsTests(BrowserFixture browser, ServerFixture server) : UiTest(browser, server)
{
    [Fact]
    public Task Search_finds_an_account_whose_page_shows_its_balance_lots_and_journal() => RunAsync(async page =>
    {
        var account = NewAccount("find");
        await EnsureAccountAsync(Server, account);
        await Server.SimulatePurchaseAsync(account, "starter");
        var balance = await Server.BalanceAsync(account);

        await SignInAsync(page);
        await page.ExpectUrlAsync("**/admin");
        await page.GotoAsync("/admin/accounts");
        await AssertAccessibleAsync(page);

        await page.GetByLabel("Account id starts with").FillAsync(account[..12]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = account }).ClickAsync();
        await page.ExpectUrlAsync($"**/admin/accounts/{account}");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync($"Account {account}");
        await Assertions.Expect(page.Locator("[data-unit=credits] [data-field=available]")).ToHaveTextAsync(Format(balance));
        var journal = page.Locator("table", new() { Has = page.GetByText("Balance after") });
        await Assertions.Expect(journal.Locator("tbody tr")).ToHaveCountAsync(2); // the signup grant and the purchase
        await Assertions.Expect(page.Locator("table", new() { Has = page.GetByText("Paid or granted") }).GetByRole(AriaRole.Cell, new() { Name = "purchase", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "succeeded" })).ToBeVisibleAsync();
        await AssertAccessibleAsync(page);

        await page.GetByRole(AriaRole.Link, new() { Name = "Full journal" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync($"Journal of {account}");
        await AssertAccessibleAsync(page);
    });

    [Fact]
    public Task A_search_pages_through_more_accounts_than_fit_on_one_page() => RunAsync(async page =>
    {
        var prefix = NewAccount("pg") + "-";
        for (var i = 0; i < 27; i++)
        {
            await EnsureAccountAsync(Server, prefix + i.ToString("00", CultureInfo.InvariantCulture));
        }

        await SignInAsync(page);
        await page.ExpectUrlAsync("**/admin");
        await page.GotoAsync("/admin/accounts?q=" + prefix);
        var rows = page.Locator("table tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(25);
        await Assertions.Expect(rows.First).ToContainTextAsync(prefix + "00");
        await page.GetByRole(AriaRole.Link, new() { Name = "Next page" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Last).ToContainTextAsync(prefix + "26");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Next page" })).ToHaveCountAsync(0);
        await AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "First page" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(25);
    });

    [Fact]
    public Task An_unknown_account_is_a_404_page() => RunAsync(async page =>
    {
        await SignInAsync(page);
        await page.ExpectUrlAsync("**/admin");
        var response = await page.GotoAsync("/admin/accounts/" + NewAccount("none"));
        response!.Status.ShouldBe(404);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("There is no account");
        await AssertAccessibleAsync(page);
    });

    [Fact]
    public Task An_adjust_without_a_reason_is_refused_and_changes_nothing() => RunAsync(async page =>
    {
        var account = NewAccount("noreason");
        await EnsureAccountAsync(Server, account);
        var before = await Server.BalanceAsync(account);

        await OpenAccountAsync(page, account);
        await page.GetByLabel("Amount (signed").FillAsync("25");
        await page.GetByRole(AriaRole.Button, new() { Name = "Adjust" }).ClickAsync();

        await Assertions.Expect(page.Locator("#adjust-reason-error")).ToHaveTextAsync("is required for an adjustment");
        (await page.GetByLabel("Reason (required").GetAttributeAsync("aria-invalid")).ShouldBe("true");
        await Assertions.Expect(page.GetByLabel("Amount (signed")).ToHaveValueAsync("25");
        await AssertAccessibleAsync(page);
        (await Server.BalanceAsync(account)).ShouldBe(before);
        await Assertions.Expect(page.Locator("[data-unit=credits] [data-field=available]")).ToHaveTextAsync(Format(before));
    });

    [Fact]
    public Task An_adjust_with_a_reason_changes_the_balance_once_and_is_journaled_and_audited() => RunAsync(async page =>
    {
        var account = NewAccount("adjust");
        await EnsureAccountAsync(Server, account);
        var before = await Server.BalanceAsync(account);

        await OpenAccountAsync(page, account);
        await page.GetByLabel("Amount (signed").FillAsync("25");
        await page.GetByLabel("Reason (required").FillAsync("goodwill for an outage");
        await page.GetByRole(AriaRole.Button, new() { Name = "Adjust" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The adjustment was recorded.");
        await Assertions.Expect(page.Locator("[data-unit=credits] [data-field=available]")).ToHaveTextAsync(Format(before + 25));
        var newest = page.Locator("table", new() { Has = page.GetByText("Balance after") }).Locator("tbody tr").First;
        await Assertions.Expect(newest).ToContainTextAsync("adjust");
        await Assertions.Expect(newest).ToContainTextAsync("+25 credits");
        await Assertions.Expect(newest).ToContainTextAsync("goodwill for an outage");
        await Assertions.Expect(newest).ToContainTextAsync("admin:" + ServerFixture.AdminEmail);
        (await Server.BalanceAsync(account)).ShouldBe(before + 25);

        var audit = await Server.Services.GetRequiredService<IAccessStore>().ReadAuditAsync(500, CancellationToken.None);
        var record = audit.Where(a => a.Target == account && a.Action == "UI adjust account").ShouldHaveSingleItem();
        record.Actor.ShouldBe("admin:" + ServerFixture.AdminEmail);
        record.Details!.ShouldContain("goodwill for an outage");
    });

    [Fact]
    public Task A_paid_adjustment_makes_a_paid_lot_and_void_empties_one_lot() => RunAsync(async page =>
    {
        var account = NewAccount("void");
        await EnsureAccountAsync(Server, account);
        var before = await Server.BalanceAsync(account);

        await OpenAccountAsync(page, account);
        await page.GetByLabel("Amount (signed").FillAsync("40");
        await page.GetByLabel("Reason (required").FillAsync("purchase lost by a bug");
        await page.GetByLabel("Paid credits").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Adjust" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The adjustment was recorded.");
        var lots = page.GetByRole(AriaRole.Region, new() { Name = "Lots" });
        var paidLot = lots.Locator("tbody tr", new() { HasText = "paid" }).First;
        await Assertions.Expect(paidLot).ToContainTextAsync("40");
        await AssertAccessibleAsync(page);

        await paidLot.GetByPlaceholder("reason").FillAsync("refunded outside the provider");
        await paidLot.GetByRole(AriaRole.Button, new() { Name = "Void" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The adjustment was recorded.");
        (await Server.BalanceAsync(account)).ShouldBe(before);
        var voided = page.GetByRole(AriaRole.Region, new() { Name = "Lots" }).Locator("tbody tr", new() { HasText = "paid" }).First;
        await Assertions.Expect(voided.GetByRole(AriaRole.Button, new() { Name = "Void" })).ToHaveCountAsync(0);
    });

    [Fact]
    public Task The_same_adjust_form_submitted_twice_adjusts_once() => RunAsync(async page =>
    {
        var account = NewAccount("twice");
        await EnsureAccountAsync(Server, account);
        var before = await Server.BalanceAsync(account);
        await OpenAccountAsync(page, account);

        var form = page.Locator($"form[action='/admin/accounts/{account}/adjust']:not(.void-form)");
        var token = await form.Locator("input[name=__RequestVerificationToken]").InputValueAsync();
        var key = await form.Locator("input[name=IdempotencyKey]").InputValueAsync();
        for (var i = 0; i < 2; i++)
        {
            var response = await page.Context.APIRequest.PostAsync($"/admin/accounts/{account}/adjust", new()
            {
                Form = page.Context.APIRequest.CreateFormData()
                    .Set("__RequestVerificationToken", token).Set("IdempotencyKey", key)
                    .Set("Amount", "-7").Set("Unit", "credits").Set("Reason", "double click"),
                MaxRedirects = 0,
            });
            response.Status.ShouldBe(302);
        }

        (await Server.BalanceAsync(account)).ShouldBe(before - 7);
    });

    [Fact]
    public Task A_frozen_account_is_refused_a_charge_through_the_API_until_unfrozen() => RunAsync(async page =>
    {
        var account = NewAccount("freeze") + ":x@y.z"; // ids may hold :@. — the page's links and forms escape them
        await EnsureAccountAsync(Server, account);
        await OpenAccountAsync(page, account);

        await page.GetByLabel("Reason (optional)").FillAsync("chargeback investigation");
        await page.GetByRole(AriaRole.Button, new() { Name = "Freeze" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The account is frozen");
        await Assertions.Expect(page.Locator("dl.facts .badge")).ToHaveTextAsync("frozen");
        await AssertAccessibleAsync(page);

        using var http = Server.CreateHttpClient(Server.AdminKey);
        using (var refused = await http.PostAsJsonAsync(new Uri($"v1/accounts/{account}/charges", UriKind.Relative), new JsonObject { ["amount"] = 1 }))
        {
            ((int)refused.StatusCode).ShouldBe(423);
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Unfreeze" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The account is unfrozen.");
        using (var charged = await http.PostAsJsonAsync(new Uri($"v1/accounts/{account}/charges", UriKind.Relative), new JsonObject { ["amount"] = 1 }))
        {
            ((int)charged.StatusCode).ShouldBe(201);
        }

        var audit = await Server.Services.GetRequiredService<IAccessStore>().ReadAuditAsync(500, CancellationToken.None);
        audit.Where(a => a.Target == account && a.Action.StartsWith("UI ", StringComparison.Ordinal)).Select(a => a.Action).ShouldBe(["UI unfreeze account", "UI freeze account"], ignoreOrder: true);
    });

    [Fact]
    public Task Settings_change_tier_limits_and_refuse_bad_values() => RunAsync(async page =>
    {
        var account = NewAccount("settings");
        await EnsureAccountAsync(Server, account);
        await OpenAccountAsync(page, account);

        await page.GetByLabel("Overdraft limit").FillAsync("-5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await Assertions.Expect(page.Locator("#settings-overdraft-error")).ToContainTextAsync("must be between 0 and");
        await AssertAccessibleAsync(page);

        await page.GetByLabel("Tier").FillAsync("gold");
        await page.GetByLabel("Overdraft limit").FillAsync("50");
        await page.GetByLabel("Low-balance threshold").FillAsync("10");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The account's settings were saved.");

        var view = await Server.Services.GetRequiredService<Tally.Ledger.CreditLedger>().GetAccountAsync(account);
        view!.Tier.ShouldBe("gold");
        view.OverdraftLimit.ShouldBe(50);
        view.LowBalanceThreshold.ShouldBe(10);
    });

    private static async Task OpenAccountAsync(IPage page, string account)
    {
        await SignInAsync(page);
        await page.ExpectUrlAsync("**/admin");
        await page.GotoAsync($"/admin/accounts/{account}");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync($"Account {account}");
    }

    private static string Format(decimal amount) => amount.ToString("#,0.######", CultureInfo.InvariantCulture);
}
