using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace Tally.Ui.Tests;

/// <summary>The admin catalog: packages, plans, features and units through the same rules as the API.</summary>
public sealed class AdminCatalogTests(BrowserFixture browser, ServerFixture server) : UiTest(browser, server)
{
    [Fact]
    public Task A_package_with_a_field_error_is_refused_then_created_listed_and_deactivated() => RunAsync(async page =>
    {
        var id = "ui-pack-" + Guid.NewGuid().ToString("N")[..8];
        await SignInAsync(page);
        await page.GotoAsync("/admin/catalog");
        await Assertions.Expect(page.GetByRole(AriaRole.Rowheader, new() { Name = "starter", Exact = true })).ToBeVisibleAsync();
        await AssertAccessibleAsync(page);

        await page.GetByRole(AriaRole.Link, new() { Name = "New package" }).ClickAsync();
        await AssertAccessibleAsync(page);
        await page.GetByLabel("Id", new() { Exact = true }).FillAsync(id);
        await page.GetByLabel("Name").FillAsync("UI pack " + id);
        await page.GetByLabel("Credits", new() { Exact = true }).FillAsync("-5");
        await page.GetByLabel("Bonus credits").FillAsync("lots");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create package" }).ClickAsync();

        // Every field error at once, each under its field, nothing saved.
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("2 fields need a change");
        await Assertions.Expect(page.Locator("#credits-error")).ToContainTextAsync("must be from 1 to");
        await Assertions.Expect(page.Locator("#bonusCredits-error")).ToHaveTextAsync("must be a whole number");
        await AssertAccessibleAsync(page);
        (await PackageAsync(id)).ShouldBeNull();

        await page.GetByLabel("Credits", new() { Exact = true }).FillAsync("250");
        await page.GetByLabel("Bonus credits").FillAsync("25");
        await page.GetByLabel("Price (minor units, e.g. cents)").FillAsync("1234");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create package" }).ClickAsync();
        await page.ExpectUrlAsync("**/admin/catalog?done=created");
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Created.");
        var row = page.Locator("tr", new() { Has = page.GetByRole(AriaRole.Link, new() { Name = id, Exact = true }) });
        await Assertions.Expect(row).ToContainTextAsync("12.34 USD");
        await Assertions.Expect(row).ToContainTextAsync("active");
        var created = (await PackageAsync(id))!;
        ((long)created["credits"]!).ShouldBe(250);
        ((long)created["price"]!["amount"]!).ShouldBe(1234);

        await row.GetByRole(AriaRole.Button, new() { Name = "Deactivate" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Deactivated: it is no longer offered.");
        await Assertions.Expect(row).ToContainTextAsync("inactive");
        ((bool)(await PackageAsync(id))!["active"]!).ShouldBeFalse();

        // Edit: the form is filled in; a change is saved through the same rules.
        await page.GetByRole(AriaRole.Link, new() { Name = id, Exact = true }).ClickAsync();
        await AssertAccessibleAsync(page);
        await page.GetByLabel("Name").FillAsync("Renamed " + id);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save package" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved.");
        ((string)(await PackageAsync(id))!["name"]!).ShouldBe("Renamed " + id);
    });

    [Fact]
    public Task Plans_features_and_units_are_created_through_their_forms() => RunAsync(async page =>
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        await SignInAsync(page);

        await page.GotoAsync("/admin/catalog/plans/new");
        await AssertAccessibleAsync(page);
        await page.GetByLabel("Id", new() { Exact = true }).FillAsync("ui-plan-" + suffix);
        await page.GetByLabel("Name").FillAsync("UI plan " + suffix);
        await page.GetByLabel("Price (minor units, e.g. cents)").FillAsync("999");
        await page.GetByLabel("Credits per period").FillAsync("1000");
        await page.GetByLabel("Rollover percent (0–100)").FillAsync("150");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create plan" }).ClickAsync();
        await Assertions.Expect(page.Locator("#rolloverPercent-error")).ToHaveTextAsync("must be from 0 to 100");
        await page.GetByLabel("Rollover percent (0–100)").FillAsync("50");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create plan" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "ui-plan-" + suffix, Exact = true })).ToBeVisibleAsync();

        await page.GotoAsync("/admin/catalog/features/new");
        await AssertAccessibleAsync(page);
        await page.GetByLabel("Key").FillAsync("ui.feature" + suffix);
        await page.GetByLabel("Cost per use").FillAsync("0.5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create feature" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "ui.feature" + suffix, Exact = true })).ToBeVisibleAsync();
        await page.GotoAsync($"/admin/catalog/features/ui.feature{suffix}");
        await AssertAccessibleAsync(page);

        await page.GotoAsync("/admin/catalog");
        await page.GetByLabel("Unit key").FillAsync("tok" + suffix);
        await page.GetByLabel("Precision (0–6, fixed forever)").FillAsync("9");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add unit" }).ClickAsync();
        await Assertions.Expect(page.Locator("#precision-error")).ToHaveTextAsync("must be an integer from 0 to 6");
        await AssertAccessibleAsync(page);
        await page.GetByLabel("Precision (0–6, fixed forever)").FillAsync("2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add unit" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Unit added.");
        await Assertions.Expect(page.GetByRole(AriaRole.Rowheader, new() { Name = "tok" + suffix })).ToBeVisibleAsync();
    });

    [Fact]
    public Task The_ops_pages_fit_a_375_px_phone() => RunAsync(async page =>
    {
        await SignInAsync(page);
        await page.SetViewportSizeAsync(375, 800);
        foreach (var path in new[]
        {
            "/admin/catalog", "/admin/catalog/packages/new", "/admin/catalog/plans/new", "/admin/catalog/features/new", "/admin/api-keys",
            "/admin/payments", "/admin/payments/webhook-events", "/admin/webhooks", "/admin/fraud?status=all", "/admin/audit",
        })
        {
            await page.GotoAsync(path);
            // Wide tables scroll inside their .table-wrap; the page itself never scrolls sideways.
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
            overflow.ShouldBeLessThanOrEqualTo(0, path);
        }
    });

    private async Task<JsonNode?> PackageAsync(string id)
    {
        using var http = Server.CreateHttpClient();
        var list = await http.GetFromJsonAsync<JsonObject>(new Uri("v1/packages", UriKind.Relative));
        return list!["data"]!.AsArray().FirstOrDefault(p => (string)p!["id"]! == id);
    }
}
