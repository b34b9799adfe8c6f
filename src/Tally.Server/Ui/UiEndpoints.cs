using Microsoft.AspNetCore.Http.HttpResults;
using Tally.Server.Ui.Admin;
using Tally.Server.Ui.Portal;
using Tally.Server.Ui.Shared;

namespace Tally.Server.Ui;

/// <summary>
/// Mounts the web UI (docs/ui.md): assets, the admin panel at <c>/admin</c> (cookie login) and the
/// customer portal at <c>/portal</c> (one-time links). Every page is a Razor component rendered
/// on the server; every answer carries a Content-Security-Policy that allows this origin only.
/// </summary>
public static class UiEndpoints
{
    /// <summary>Scripts, styles and forms from this origin only; no framing by other sites.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

    public static IEndpointRouteBuilder MapTallyUi(this IEndpointRouteBuilder app)
    {
        UiAssets.Map(app);
        // Every form post needs its antiforgery token, whether or not its handler binds the form.
        var ui = app.MapGroup("").ExcludeFromDescription().WithMetadata(new Microsoft.AspNetCore.Antiforgery.RequireAntiforgeryTokenAttribute()).AddEndpointFilter(async (context, next) =>
        {
            var headers = context.HttpContext.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.CacheControl = "no-store";
            // The antiforgery middleware only records its verdict; handlers that bind no form
            // would run anyway, so the refusal is made here for every UI endpoint.
            if (context.HttpContext.Features.Get<Microsoft.AspNetCore.Antiforgery.IAntiforgeryValidationFeature>() is { IsValid: false })
            {
                return Page<FormExpiredPage>(status: StatusCodes.Status400BadRequest);
            }

            return await next(context);
        });

        var demo = app.ServiceProvider.GetRequiredService<Hosting.DemoMode>().Enabled;
        ui.MapGet("/", () => Page<HomePage>(new { Demo = demo }));
        var admin = ui.MapGroup("/admin");
        AdminLogin.Map(admin);
        var signedIn = admin.MapGroup("").RequireAuthorization(UiServices.AdminPolicy);
        AccountsPages.Map(signedIn);
        CatalogPages.Map(signedIn);
        PaymentsPages.Map(signedIn);
        WebhooksPages.Map(signedIn);
        ApiKeysPages.Map(signedIn);
        FraudPages.Map(signedIn);
        AuditPages.Map(signedIn);
        DashboardPages.Map(signedIn);

        var portal = ui.MapGroup("/portal");
        PortalPages.Map(portal);
        if (demo)
        {
            // The demo's shortcut into the portal: what a host app's "Manage credits" button does.
            ui.MapGet("/demo/portal", async (string? account, PortalLinks links, CancellationToken ct) =>
            {
                var (token, _) = await links.CreateAsync(account ?? "demo-alice", TimeSpan.FromMinutes(1), null, ct);
                return Results.Redirect("/portal/open?token=" + Uri.EscapeDataString(token));
            });
        }
        return app;
    }

    /// <summary>Renders a page component with these parameters (an anonymous object or a dictionary).</summary>
    public static RazorComponentResult<TPage> Page<TPage>(object? parameters = null, int status = StatusCodes.Status200OK)
        where TPage : Microsoft.AspNetCore.Components.IComponent =>
        new(parameters ?? new { }) { StatusCode = status };
}
