using Tally.Access;
using Tally.Ledger.Storage;
using Tally.Server.Ui.Admin;
using Tally.Server.Ui.Portal;

namespace Tally.Server.Ui;

/// <summary>
/// The web UI's services (docs/ui.md): Razor components rendered on the server, two cookie
/// schemes — admin users at <c>/admin</c>, customer-portal sessions at <c>/portal</c> — each with a
/// policy, and antiforgery for every form.
/// </summary>
public static class UiServices
{
    public const string AdminScheme = "TallyAdmin";
    public const string PortalScheme = "TallyPortal";
    public const string AdminPolicy = "ui:admin";
    public const string PortalPolicy = "ui:portal";

    /// <summary>The claim naming the signed-in admin's email, and the portal session's account.</summary>
    public const string EmailClaim = "tally:email";
    public const string AccountClaim = "tally:portal-account";
    public const string ReturnUrlClaim = "tally:portal-return";

    public static IServiceCollection AddTallyUi(this IServiceCollection services)
    {
        services.AddRazorComponents();
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "tally.antiforgery";
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.AddAuthentication()
            .AddCookie(AdminScheme, options =>
            {
                // Secure whenever the request is HTTPS (production, behind TLS); plain HTTP on a
                // developer's loopback still works. Strict: no other site can make the browser send it.
                options.Cookie.Name = "tally.admin";
                options.Cookie.Path = "/admin";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = TimeSpan.FromHours(8);
                options.SlidingExpiration = true;
                options.LoginPath = "/admin/login";
                options.LogoutPath = "/admin/logout";
                options.AccessDeniedPath = "/admin/login";
            })
            .AddCookie(PortalScheme, options =>
            {
                // Lax, not Strict: the customer arrives from the host app's link and comes back
                // from the payment provider's checkout, both top-level navigations from elsewhere.
                options.Cookie.Name = "tally.portal";
                options.Cookie.Path = "/portal";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = PortalLinks.SessionLength;
                options.SlidingExpiration = true;
                options.LoginPath = "/portal/signed-out";
                options.AccessDeniedPath = "/portal/signed-out";
                options.ReturnUrlParameter = "from";
            });
        services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicy, policy => policy.AddAuthenticationSchemes(AdminScheme).RequireAuthenticatedUser().RequireClaim(EmailClaim))
            .AddPolicy(PortalPolicy, policy => policy.AddAuthenticationSchemes(PortalScheme).RequireAuthenticatedUser().RequireClaim(AccountClaim));
        services.AddSingleton(sp => (IWebAccessStore)sp.GetRequiredService<ILedgerStore>());
        services.AddSingleton<AdminUsers>();
        services.AddSingleton<AdminAudit>();
        services.AddSingleton<PortalLinks>();
        services.AddSingleton<UiAssets>();
        return services;
    }
}
