using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Tally.Ledger.Fraud;

namespace Tally.Ui.Tests;

/// <summary>Fraud flags (evidence, clear with a mandatory reason) and the audit log's filters in the admin panel.</summary>
public sealed class AdminFraudAuditTests(BrowserFixture browser, ServerFixture server) : UiTest(browser, server)
{
    [Fact]
    public Task A_flag_is_not_cleared_without_a_reason_then_cleared_and_audited() => RunAsync(async page =>
    {
        var account = NewAccount("fraud");
        await EnsureAccountAsync(Server, account);
        var now = DateTimeOffset.UtcNow;
        var flag = new FraudFlag(FraudFlag.NewId(now), account, FraudKind.Velocity,
            """{"consumed":5000,"threshold":1000,"windowSeconds":60,"entries":["entry_1","entry_2"]}""", FraudFlagStatus.Open, now, null, null, null);
        (await Server.Services.GetRequiredService<IFraudStore>().RaiseFlagAsync(flag, CancellationToken.None)).ShouldBeTrue();

        await SignInAsync(page);
        await page.GotoAsync("/admin/fraud");
        var row = page.Locator("tr", new() { Has = page.GetByRole(AriaRole.Link, new() { Name = flag.Id }) });
        await Assertions.Expect(row).ToContainTextAsync("consumed: 5,000");
        await AssertAccessibleAsync(page);

        await row.GetByRole(AriaRole.Link, new() { Name = flag.Id }).ClickAsync();
        await Assertions.Expect(page.Locator("dl.ops-evidence")).ToContainTextAsync("window seconds");
        await Assertions.Expect(page.Locator("dl.ops-evidence")).ToContainTextAsync("entry_1, entry_2");
        await AssertAccessibleAsync(page);

        // No reason: refused, still open.
        await page.GetByRole(AriaRole.Button, new() { Name = "Clear flag" }).ClickAsync();
        await Assertions.Expect(page.Locator("#reason-error")).ToHaveTextAsync("is required: 1–500 characters");
        await Assertions.Expect(page.Locator("[data-flag-status]")).ToHaveTextAsync("open");
        await AssertAccessibleAsync(page);
        (await Server.Services.GetRequiredService<IFraudStore>().FindFlagAsync(flag.Id, CancellationToken.None))!.Status.ShouldBe(FraudFlagStatus.Open);

        await page.GetByLabel("Reason (required)").FillAsync("Checked with the customer: a batch job");
        await page.GetByRole(AriaRole.Button, new() { Name = "Clear flag" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Flag cleared.");
        await Assertions.Expect(page.Locator("[data-flag-status]")).ToHaveTextAsync("cleared");
        await Assertions.Expect(page.Locator("[data-clear-reason]")).ToHaveTextAsync("Checked with the customer: a batch job");
        var cleared = (await Server.Services.GetRequiredService<IFraudStore>().FindFlagAsync(flag.Id, CancellationToken.None))!;
        cleared.ClearedBy.ShouldBe("admin:" + ServerFixture.AdminEmail);

        await page.GotoAsync("/admin/fraud");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = flag.Id })).ToHaveCountAsync(0);
        await page.GetByLabel("Status").SelectOptionAsync("cleared");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = flag.Id })).ToBeVisibleAsync();

        // The audit log has both attempts, by this admin, and its filters narrow to them.
        await page.GotoAsync("/admin/audit");
        await AssertAccessibleAsync(page);
        await page.GetByLabel("Actor contains").FillAsync(ServerFixture.AdminEmail.ToUpperInvariant());
        await page.GetByLabel("Action contains").FillAsync("fraud flag");
        await page.GetByLabel("Target").FillAsync(flag.Id);
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        var rows = page.Locator("tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("UI clear fraud flag");
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("200");
        await Assertions.Expect(rows.Nth(1)).ToContainTextAsync("400");
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("admin:" + ServerFixture.AdminEmail);
        await AssertAccessibleAsync(page);

        var tomorrow = DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await page.GetByLabel("From (UTC day)").FillAsync(tomorrow);
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(page.GetByText("No audit records match.")).ToBeVisibleAsync();

        var response = await page.GotoAsync("/admin/audit?from=yesterday");
        response!.Status.ShouldBe(400);
        await Assertions.Expect(page.Locator("#from-error")).ToHaveTextAsync("must be a date (yyyy-mm-dd)");
    });

    [Fact]
    public Task The_audit_log_pages_newest_first() => RunAsync(async page =>
    {
        await SignInAsync(page);
        var access = Server.Services.GetRequiredService<Tally.Access.IAccessStore>();
        var target = "page-" + Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < 55; i++)
        {
            await access.AppendAuditAsync(new Tally.Access.AuditRecord(DateTimeOffset.UtcNow, "test", "paging " + i.ToString(CultureInfo.InvariantCulture), target, 200, null, null, null), CancellationToken.None);
        }

        await page.GotoAsync("/admin/audit?target=" + target);
        await Assertions.Expect(page.Locator("tbody tr")).ToHaveCountAsync(50);
        await Assertions.Expect(page.Locator("tbody tr").First).ToContainTextAsync("paging 54");
        await page.GetByRole(AriaRole.Link, new() { Name = "Older records" }).ClickAsync();
        await Assertions.Expect(page.Locator("tbody tr")).ToHaveCountAsync(5);
        await Assertions.Expect(page.Locator("tbody tr").Last).ToContainTextAsync("paging 0");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Older records" })).ToHaveCountAsync(0);
    });
}
