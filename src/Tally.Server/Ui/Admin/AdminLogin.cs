using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Tally.Access;
using Tally.Server.Auth;

namespace Tally.Server.Ui.Admin;

/// <summary>The sign-in form's fields.</summary>
public sealed class LoginForm
{
    public string? Email { get; set; }

    public string? Password { get; set; }

    public string? ReturnUrl { get; set; }
}

/// <summary>Admin sign-in and sign-out (SPEC §5): cookie session, antiforgery, lockout, audited.</summary>
public static class AdminLogin
{
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/login", (string? returnUrl) => UiEndpoints.Page<LoginPage>(new { ReturnUrl = LocalAdminUrl(returnUrl) }));
        admin.MapPost("/login", LoginAsync);
        admin.MapPost("/logout", async (HttpContext http) =>
        {
            await http.SignOutAsync(UiServices.AdminScheme);
            return Results.Redirect("/admin/login", permanent: false, preserveMethod: false);
        }).RequireAuthorization(UiServices.AdminPolicy);
    }

    /// <summary>The signed-in admin's email (also their name in the audit log, as <c>admin:email</c>).</summary>
    public static string EmailOf(HttpContext http) =>
        http?.User.FindFirst(UiServices.EmailClaim)?.Value ?? throw new InvalidOperationException("no admin is signed in");

    /// <summary>Who the audit log and the journal name for an admin user's actions.</summary>
    public static string ActorOf(HttpContext http) => "admin:" + EmailOf(http);

    private static async Task<IResult> LoginAsync([FromForm] LoginForm form, HttpContext http, AdminUsers users, IAccessStore audit, TimeProvider time, CancellationToken ct)
    {
        var email = (form.Email ?? "").Trim();
        var (outcome, lockedUntil) = await users.LoginAsync(email, form.Password ?? "", ct);
        await audit.AppendAuditAsync(new AuditRecord(
            time.GetUtcNow(), "admin:" + email.ToLowerInvariant(), "POST /admin/login", null,
            outcome == LoginOutcome.Success ? 200 : 401, http.Connection.RemoteIpAddress?.ToString(), Http.Problems.TraceId(http),
            outcome.ToString()), ct);
        if (outcome != LoginOutcome.Success)
        {
            var error = outcome == LoginOutcome.LockedOut
                ? $"Too many failed sign-ins: this account is locked until {lockedUntil!.Value.ToString("HH:mm 'UTC'", CultureInfo.InvariantCulture)}."
                : "Wrong email or password.";
            return UiEndpoints.Page<LoginPage>(new { Error = error, Email = email, ReturnUrl = LocalAdminUrl(form.ReturnUrl) }, StatusCodes.Status401Unauthorized);
        }

        var identity = new ClaimsIdentity([new Claim(UiServices.EmailClaim, email.ToLowerInvariant()), new Claim(TallyClaims.Credential, "admin:" + email.ToLowerInvariant())], UiServices.AdminScheme);
        await http.SignInAsync(UiServices.AdminScheme, new ClaimsPrincipal(identity));
        return Results.Redirect(LocalAdminUrl(form.ReturnUrl) ?? "/admin");
    }

    /// <summary>Only a path inside the admin panel is a place to return to (no open redirect).</summary>
    private static string? LocalAdminUrl(string? url) =>
        url is not null && url.StartsWith("/admin", StringComparison.Ordinal) && !url.StartsWith("//", StringComparison.Ordinal) && !url.Contains('\\', StringComparison.Ordinal) && url.Length <= 2048
            ? url
            : null;
}
