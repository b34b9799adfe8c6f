using Microsoft.AspNetCore.Authorization;

namespace Tally.Server.Auth;

/// <summary>The authorization policies: one per scope, and one for any API key.</summary>
public static class Policies
{
    public const string Read = "scope:read";
    public const string Charge = "scope:charge";
    public const string Grant = "scope:grant";
    public const string Admin = "scope:admin";

    /// <summary>Any API key, whatever its scopes (the handler checks what it needs, e.g. per batch operation).</summary>
    public const string ApiKey = "api-key";

    /// <summary>An admin API key, or any client token — the handler then allows only its own account (checkout).</summary>
    public const string AdminOrClientToken = "admin-or-client-token";

    /// <summary>Registers the policies and the handler that decides them.</summary>
    public static IServiceCollection AddTallyAuthorization(this IServiceCollection services)
    {
        services.AddSingleton<IAuthorizationHandler, ScopeHandler>();
        services.AddAuthorizationBuilder()
            .AddPolicy(Read, p => p.AddRequirements(new ScopeRequirement(Scopes.Read)))
            .AddPolicy(Charge, p => p.AddRequirements(new ScopeRequirement(Scopes.Charge)))
            .AddPolicy(Grant, p => p.AddRequirements(new ScopeRequirement(Scopes.Grant)))
            .AddPolicy(Admin, p => p.AddRequirements(new ScopeRequirement(Scopes.Admin)))
            .AddPolicy(ApiKey, p => p.AddRequirements(new ScopeRequirement(null)))
            .AddPolicy(AdminOrClientToken, p => p.AddRequirements(new ScopeRequirement(Scopes.Admin, AnyClientToken: true)));
        return services;
    }

    /// <summary>
    /// Lets a client token for the account in the route (<c>{externalId}</c>) call this endpoint,
    /// which must be a read (client tokens carry the read scope and nothing else).
    /// </summary>
    public static TBuilder AllowClientTokens<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ClientTokensAllowed());

    /// <summary>Accepts the credential as <c>?access_token=</c> on this endpoint (and only where this is said).</summary>
    public static TBuilder AllowAccessTokenInQuery<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AccessTokenInQuery());
}

/// <summary>Endpoint metadata: the credential may come as <c>?access_token=</c> when no Authorization header is sent (live streams: browsers' EventSource cannot send headers).</summary>
public sealed class AccessTokenInQuery;

/// <summary>Endpoint metadata: client tokens of the route's own account may call it (<see cref="Policies.AllowClientTokens"/>).</summary>
public sealed class ClientTokensAllowed;

/// <summary>
/// A scope an API key must hold (admin holds them all); null: any API key. With
/// <c>AnyClientToken</c>, every client token passes too and the endpoint checks that the account
/// it acts on is the token's own (the account is in the body, not the route).
/// </summary>
public sealed record ScopeRequirement(string? Scope, bool AnyClientToken = false) : IAuthorizationRequirement;

/// <summary>
/// Decides <see cref="ScopeRequirement"/>s. API keys pass by scope. Client tokens pass only for
/// reads of their own account on endpoints marked <see cref="ClientTokensAllowed"/>: the resource
/// is the request, whose route names the account. Anything else fails: 401 without a valid
/// credential, 403 with one (the authentication handler writes both as problem documents).
/// </summary>
public sealed class ScopeHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(requirement);
        var user = context.User;
        if (user.Identity?.IsAuthenticated != true)
        {
            return Task.CompletedTask;
        }

        if (TallyClaims.IsClientToken(user))
        {
            if (requirement.AnyClientToken)
            {
                context.Succeed(requirement);
            }
            else if (requirement.Scope == Scopes.Read
                && context.Resource is HttpContext http
                && http.GetEndpoint()?.Metadata.GetMetadata<ClientTokensAllowed>() is not null
                && http.GetRouteValue("externalId") is string account
                && string.Equals(account, user.FindFirst(TallyClaims.Account)?.Value, StringComparison.Ordinal))
            {
                context.Succeed(requirement);
            }

            return Task.CompletedTask;
        }

        if (requirement.Scope is null || TallyClaims.HasScope(user, requirement.Scope))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
