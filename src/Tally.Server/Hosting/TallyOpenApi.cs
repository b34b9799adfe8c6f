using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Tally.Server.Hosting;

/// <summary>
/// The document's own parts: title and description, the bearer scheme every /v1 operation uses,
/// and no <c>servers</c> list — ASP.NET fills it from the request's Host header, which a caller
/// controls; without one, clients resolve paths against wherever they fetched the document.
/// </summary>
internal sealed class TallyOpenApi : IOpenApiDocumentTransformer
{
    public const string Scheme = "bearer";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Tally API";
        document.Info.Description = "Self-hosted credits: accounts, grants, charges, holds, history. Errors are RFC 7807 problem documents with a stable `code`. "
            + "Authenticate with `Authorization: Bearer tally_sk_…` (API key) or `Bearer tally_ct_…` (client token, one account's reads).";
        document.Servers = [];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
        document.Components.SecuritySchemes[Scheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "tally_sk_… API key or tally_ct_… client token",
            Description = "API keys carry scopes (read, charge, grant, admin); client tokens read one account.",
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Scheme, document)] = [] }];
        return Task.CompletedTask;
    }
}
