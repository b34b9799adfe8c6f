using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Tally.Ui.Tests;

/// <summary>The portal's history (docs/ui.md): newest first, filters, paging, CSV.</summary>
public sealed class PortalHistoryTests(BrowserFixture browser, ServerFixture server) : UiTest(browser, server)
{
    [Fact]
    public Task History_pages_through_more_entries_than_a_page_and_filters_by_type() => RunAsync(async page =>
    {
        var account = NewAccount("hist");
        await EnsureAccountAsync(Server, account);
        var grants = await PortalApi.AvailableAsync(Server, account) > 0 ? 2 : 1; // the signup grant, when the server gives one
        await PortalApi.GrantAsync(Server, account, 1000);
        for (var i = 1; i <= 30; i++)
        {
            await PortalApi.ChargeAsync(Server, account, 1, $"charge {i}");
        }

        await PortalApi.OpenPortalAsync(page, Server, account);
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Portal" }).GetByRole(AriaRole.Link, new() { Name = "History" }).ClickAsync();
        await page.ExpectUrlAsync("**/portal/history");
        var rows = page.Locator("tbody tr");
        await Expect(rows).ToHaveCountAsync(25);
        await Expect(rows.First.Locator("td").Nth(3)).ToHaveTextAsync("charge 30");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Newest" })).ToHaveCountAsync(0);
        await AssertAccessibleAsync(page);

        // 30 charges and the grants: the rest on the next page.
        await page.GetByRole(AriaRole.Link, new() { Name = "Older entries" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(30 + grants - 25);
        await Expect(rows.First.Locator("td").Nth(3)).ToHaveTextAsync("charge 5");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Older entries" })).ToHaveCountAsync(0);
        await AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "Newest" }).ClickAsync();
        await Expect(rows.First.Locator("td").Nth(3)).ToHaveTextAsync("charge 30");

        // Filtered to grants: the form keeps the choice, the table has grants only.
        await page.GetByLabel("Type").SelectOptionAsync("grant");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await page.ExpectUrlAsync("**/portal/history?type=grant**");
        await Expect(rows.Locator("td:nth-child(2)")).ToHaveTextAsync(Enumerable.Repeat("grant", grants).ToArray());
        await AssertAccessibleAsync(page);

        // A bad date is a field error, not a failure.
        var bad = await page.GotoAsync("/portal/history?from=yesterday");
        bad!.Status.ShouldBe(400);
        await Expect(page.Locator("#from-error")).ToContainTextAsync("Enter a date as YYYY-MM-DD.");
        await AssertAccessibleAsync(page);
    });

    [Fact]
    public Task History_downloads_as_csv_with_the_same_filters() => RunAsync(async page =>
    {
        var account = NewAccount("csv");
        await EnsureAccountAsync(Server, account);
        await PortalApi.GrantAsync(Server, account, 100);
        await PortalApi.ChargeAsync(Server, account, 2, "=HYPERLINK(\"http://evil\")");
        await PortalApi.ChargeAsync(Server, account, 3, "plain, with a comma");
        await PortalApi.OpenPortalAsync(page, Server, account);
        await page.GotoAsync("/portal/history?type=charge");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download CSV" }).ClickAsync());
        download.SuggestedFilename.ShouldBe($"{account}-entries.csv");
        var path = await download.PathAsync();
        var lines = (await File.ReadAllTextAsync(path!)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("id,seq,createdAt,type,unit,amount,balanceAfter,feature,quantity,description,reference,actor");
        lines.Length.ShouldBe(3);
        lines[1].ShouldContain(",charge,credits,-3,");
        lines[1].ShouldContain("\"plain, with a comma\"");
        lines[2].ShouldContain(",charge,credits,-2,");
        lines[2].ShouldContain("\"'=HYPERLINK(\"\"http://evil\"\")\"");

        // The same through a request with the session's cookie; without the session, no CSV.
        var csv = await page.Context.APIRequest.GetAsync("/portal/history.csv?type=grant");
        csv.Status.ShouldBe(200);
        csv.Headers["content-type"].ShouldStartWith("text/csv");
        (await csv.TextAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1).ShouldAllBe(l => l.Contains(",grant,"));
        await page.Context.ClearCookiesAsync();
        var anonymous = await page.Context.APIRequest.GetAsync("/portal/history.csv", new() { MaxRedirects = 0 });
        anonymous.Status.ShouldNotBe(200);
    });
}
