using Tally.Server.Auth;
using Tally.Server.Http;

namespace Tally.Server.Ui.Portal;

/// <summary>The customer portal's pages (docs/ui.md): opened by a one-time link, one account per session.</summary>
public static class PortalPages
{
    /// <summary>How long the token the page gives its live stream lives (the script asks for a new one before then).</summary>
    public static readonly TimeSpan StreamTokenTtl = TimeSpan.FromMinutes(15);

    public static void Map(RouteGroupBuilder portal)
    {
        portal.MapGet("/open", OpenAsync);
        portal.MapGet("/signed-out", () => UiEndpoints.Page<LinkRefusedPage>(new
        {
            Heading = "Your session has ended",
            Detail = "For your security, the credits page signs you out after an hour without activity.",
        }, StatusCodes.Status401Unauthorized));

        var pages = portal.MapGroup("").RequireAuthorization(UiServices.PortalPolicy);
        PortalBalance.Map(pages);
        PortalBuy.Map(pages);
        PortalHistory.Map(pages);
        PortalUsage.Map(pages);
        PortalSubscription.Map(pages);
        pages.MapPost("/stream-token", async (HttpContext http, ClientTokens tokens, CancellationToken ct) =>
        {
            var (token, expiresAt) = await tokens.IssueAsync(PortalLinks.AccountOf(http.User), StreamTokenTtl, ct);
            return Results.Json(new StreamToken(token, expiresAt), TallyJsonContext.Default.StreamToken);
        }).DisableAntiforgery(); // changes nothing; its answer is readable by this origin's script only
    }

    /// <summary>The portal session's return address (the host app), if the link gave one.</summary>
    public static string? ReturnUrlOf(HttpContext http) => http?.User.FindFirst(UiServices.ReturnUrlClaim)?.Value;

    private static async Task<IResult> OpenAsync(string? token, HttpContext http, PortalLinks links, CancellationToken ct)
    {
        var refusal = await links.OpenAsync(http, token, ct);
        return refusal switch
        {
            null => Results.Redirect("/portal"),
            PortalLinkRefusal.Used => UiEndpoints.Page<LinkRefusedPage>(new { Heading = "This link was already used", Detail = "Each link opens the credits page once." }, StatusCodes.Status410Gone),
            PortalLinkRefusal.Expired => UiEndpoints.Page<LinkRefusedPage>(new { Heading = "This link has expired", Detail = "Links open the credits page for a few minutes after they are made." }, StatusCodes.Status410Gone),
            _ => UiEndpoints.Page<LinkRefusedPage>(new { Heading = "This link is not valid", Detail = "It may have been copied incompletely." }, StatusCodes.Status404NotFound),
        };
    }
}

/// <summary>A fresh client token for the page's live stream.</summary>
public sealed record StreamToken(string Token, DateTimeOffset ExpiresAt);
