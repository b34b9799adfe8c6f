using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Tally.Server.Hosting;

/// <summary>
/// Problem answers every operation can give, declared where they apply instead of on each route:
/// 401 and 403 on every operation behind a policy, 429 where a rate limit may apply, 503 on every
/// operation (the database may be unavailable) — each an <c>application/problem+json</c> document.
/// </summary>
internal sealed class TallyOpenApiOperations : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        operation.Responses ??= [];
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<IAuthorizeData>().Any())
        {
            Add(operation, "401", "No credential, or an unknown, revoked or expired one (code unauthorized)");
            Add(operation, "403", "The credential lacks the scope, or is a client token of another account (code forbidden)");
            Add(operation, "429", "Too many requests for this credential or account (code rate_limited, Retry-After)");
        }

        Add(operation, "503", "The database is unavailable (code unavailable; outcomeUnknown says whether a write may have happened)");
        return Task.CompletedTask;
    }

    private static void Add(OpenApiOperation operation, string status, string description)
    {
        if (operation.Responses!.ContainsKey(status))
        {
            return;
        }

        operation.Responses[status] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
            {
                ["application/problem+json"] = new OpenApiMediaType(),
            },
        };
    }
}
