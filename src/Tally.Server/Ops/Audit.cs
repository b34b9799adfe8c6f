using System.Text;
using Tally.Access;
using Tally.Server.Auth;
using Tally.Server.Http;

namespace Tally.Server.Ops;

/// <summary>Marks an endpoint whose answer holds a secret (a new API key, a client token): audited without it.</summary>
public sealed class AuditRedacted;

/// <summary>Declares audited endpoints.</summary>
public static class AuditExtensions
{
    /// <summary>Audits this endpoint's mutations; <paramref name="redacted"/> leaves the answer (a secret) out.</summary>
    public static TBuilder Audited<TBuilder>(this TBuilder builder, bool redacted = false)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter<TBuilder, AuditFilter>();
        return redacted ? builder.WithMetadata(new AuditRedacted()) : builder;
    }
}

/// <summary>
/// Writes an audit record (who, what, target, result, from where, and the request body) for
/// mutations that the journal does not already record: account settings, freezes, adjustments,
/// catalogs, API keys and client tokens. Money movements are audited by their journal entries,
/// which carry the acting credential and idempotency key.
/// </summary>
public sealed partial class AuditFilter(IAccessStore store, TimeProvider time, ILogger<AuditFilter> logger) : IEndpointFilter
{
    private const int MaxDetails = 8 * 1024;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var result = await next(context);
        if ((result as BytesResult ?? (result as IBytesAnswer)?.Bytes) is not { } bytes || http.User.Identity?.IsAuthenticated != true)
        {
            return result;
        }

        var route = ((http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path.Value ?? "").TrimEnd('/');
        var target = http.GetRouteValue("externalId") ?? http.GetRouteValue("key") ?? http.GetRouteValue("id");
        var record = new AuditRecord(
            time.GetUtcNow(),
            TallyClaims.CredentialOf(http.User) ?? "anonymous",
            $"{http.Request.Method} {route}",
            target as string,
            bytes.Status,
            http.Connection.RemoteIpAddress?.ToString(),
            Problems.TraceId(http),
            bytes.Status < 300 && http.GetEndpoint()?.Metadata.GetMetadata<AuditRedacted>() is null ? Truncate(Encoding.UTF8.GetString(bytes.Body)) : null);
        try
        {
            await store.AppendAuditAsync(record, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            AuditFailed(logger, record.Action, e);
        }

        return result;
    }

    private static string Truncate(string text) => text.Length <= MaxDetails ? text : text[..MaxDetails];

    [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "Could not write the audit record for {Action}")]
    private static partial void AuditFailed(ILogger logger, string action, Exception exception);
}
