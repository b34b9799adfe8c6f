using Microsoft.AspNetCore.Authentication;

namespace Tally.Server.Auth;

/// <summary>
/// What an endpoint requires: a scope, and whether a client token for the account in the route
/// (<c>{externalId}</c>) may call it. Checked by <see cref="AccessFilter"/>.
/// </summary>
public sealed record AccessRequirement(string? Scope, bool ClientTokens);

/// <summary>Declares endpoints' access requirements.</summary>
public static class AccessExtensions
{
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope, bool clientTokens = false)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AccessRequirement(scope, clientTokens));

    /// <summary>An API key of any scope (the handler checks what it needs, e.g. per batch operation); no client tokens.</summary>
    public static TBuilder RequireCredential<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AccessRequirement(null, false));
}

/// <summary>
/// Enforces <see cref="AccessRequirement"/>: no or bad credential → 401; a key without the scope,
/// or a client token outside its own account or on an endpoint browsers may not call → 403.
/// </summary>
public sealed class AccessFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var requirement = http.GetEndpoint()?.Metadata.GetMetadata<AccessRequirement>();
        if (requirement is null)
        {
            return await next(context);
        }

        if (http.User.Identity?.IsAuthenticated != true)
        {
            await http.ChallengeAsync(TallyAuthenticationHandler.SchemeName);
            return Results.Empty;
        }

        var user = http.User;
        if (TallyClaims.IsClientToken(user))
        {
            var route = http.GetRouteValue("externalId") as string;
            var own = user.FindFirst(TallyClaims.Account)?.Value;
            if (!requirement.ClientTokens || route is null || !string.Equals(route, own, StringComparison.Ordinal))
            {
                await http.ForbidAsync(TallyAuthenticationHandler.SchemeName);
                return Results.Empty;
            }
        }
        else if (requirement.Scope is { } scope && !TallyClaims.HasScope(user, scope))
        {
            await http.ForbidAsync(TallyAuthenticationHandler.SchemeName);
            return Results.Empty;
        }

        return await next(context);
    }
}
