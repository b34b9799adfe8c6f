using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Tally.Server.Ui.Admin;

namespace Tally.Ui.Tests;

/// <summary>Admin sign-in (SPEC §5): the right password gets in, a wrong one does not, repeated failures lock, forms need their antiforgery token.</summary>
public sealed class AdminLoginTests(BrowserFixture browser, ServerFixture server) : UiTest(browser, server)
{
    [Fact]
    public Task Signing_in_opens_the_dashboard_and_the_login_page_is_accessible() => RunAsync(async page =>
    {
        await page.GotoAsync("/admin");
        page.Url.ShouldContain("/admin/login");
        await AssertAccessibleAsync(page);

        await SignInAsync(page);
        await page.ExpectUrlAsync("**/admin");
        (await page.Locator("h1").TextContentAsync()).ShouldBe("Dashboard");
        await AssertAccessibleAsync(page);
    });

    [Fact]
    public Task A_wrong_password_is_refused_without_saying_which_part_was_wrong() => RunAsync(async page =>
    {
        await SignInAsync(page, password: "not the password at all");
        (await page.GetByRole(AriaRole.Alert).TextContentAsync()).ShouldBe("Wrong email or password.");
        await SignInAsync(page, email: "nobody@example.com");
        (await page.GetByRole(AriaRole.Alert).TextContentAsync()).ShouldBe("Wrong email or password.");
        await page.GotoAsync("/admin");
        page.Url.ShouldContain("/admin/login");
    });

    [Fact]
    public Task Five_failures_lock_the_user_even_against_the_right_password() => RunAsync(async page =>
    {
        var email = $"lock-{Guid.NewGuid():N}@example.com";
        (await Server.Services.GetRequiredService<AdminUsers>().CreateAsync(email, ServerFixture.AdminPassword, CancellationToken.None)).ShouldBeTrue();
        for (var i = 1; i < AdminUsers.MaxFailures; i++)
        {
            await SignInAsync(page, email, "wrong password " + i);
            (await page.GetByRole(AriaRole.Alert).TextContentAsync()).ShouldBe("Wrong email or password.");
        }

        await SignInAsync(page, email, "wrong password again");
        (await page.GetByRole(AriaRole.Alert).TextContentAsync())!.ShouldStartWith("Too many failed sign-ins");
        await SignInAsync(page, email, ServerFixture.AdminPassword);
        (await page.GetByRole(AriaRole.Alert).TextContentAsync())!.ShouldStartWith("Too many failed sign-ins");
        page.Url.ShouldContain("/admin/login");
    });

    [Fact]
    public Task A_post_without_the_antiforgery_token_is_rejected() => RunAsync(async page =>
    {
        await SignInAsync(page);
        await page.ExpectUrlAsync("**/admin");
        // The session cookie goes along (same context); the form's hidden token does not.
        var response = await page.Context.APIRequest.PostAsync("/admin/logout", new() { Form = page.Context.APIRequest.CreateFormData() });
        response.Status.ShouldBe(400);
        var login = await page.Context.APIRequest.PostAsync("/admin/login", new()
        {
            Form = page.Context.APIRequest.CreateFormData().Set("Email", ServerFixture.AdminEmail).Set("Password", ServerFixture.AdminPassword),
        });
        login.Status.ShouldBe(400);

        // Still signed in: the rejected sign-out did nothing.
        await page.GotoAsync("/admin");
        (await page.Locator("h1").TextContentAsync()).ShouldBe("Dashboard");
    });

    [Fact]
    public Task Signing_out_ends_the_session() => RunAsync(async page =>
    {
        await SignInAsync(page);
        await page.ExpectUrlAsync("**/admin");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.ExpectUrlAsync("**/admin/login");
        await page.GotoAsync("/admin");
        page.Url.ShouldContain("/admin/login");
    });
}
