using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Tally.Payments.Dodo.Wire;

namespace Tally.Payments.Dodo.Sandbox;

/// <summary>
/// Mounts the sandbox in an ASP.NET Core app. Under the prefix: Dodo's API (<c>/products</c>,
/// <c>/checkouts</c>, <c>/payments/{id}</c>, <c>/subscriptions/{id}</c>, change-plan, customer
/// portal), the hosted pages (<c>/checkout/{session}</c>, <c>/portal/{customer}</c>) and the
/// control routes under <c>/sandbox</c>. Bodies are read and written with the source-generated
/// Dodo context, never the host's JSON options, so the host's settings cannot change the wire format.
/// </summary>
public static partial class SandboxEndpoints
{
    // Control bodies are small; a bigger one is a mistake, not a request.
    private const int MaxBodyBytes = 64 * 1024;

    /// <summary>Mounts the <see cref="DodoSandbox"/> registered with <c>AddDodoSandbox</c> under <paramref name="prefix"/> (e.g. "/sandbox/dodo").</summary>
    public static RouteGroupBuilder MapDodoSandbox(this IEndpointRouteBuilder app, string prefix)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.MapDodoSandbox(prefix, app.ServiceProvider.GetRequiredService<DodoSandbox>());
    }

    /// <summary>Mounts <paramref name="sandbox"/> under <paramref name="prefix"/> (e.g. "/sandbox/dodo"; "" for the root).</summary>
    public static RouteGroupBuilder MapDodoSandbox(this IEndpointRouteBuilder app, string prefix, DodoSandbox sandbox)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(sandbox);
        var mount = "/" + prefix.Trim('/');
        var root = app.MapGroup(mount).ExcludeFromDescription();
        Uri BaseUrl(HttpRequest r) => sandbox.Options.PublicBaseUrl is { } configured
            ? (configured.AbsoluteUri.EndsWith('/') ? configured : new Uri(configured.AbsoluteUri + "/"))
            : new Uri($"{r.Scheme}://{r.Host}{r.PathBase}{mount.TrimEnd('/')}/");

        var api = root.MapGroup("/").AddEndpointFilter(async (context, next) =>
            sandbox.Options.ApiKey is { } key && context.HttpContext.Request.Headers.Authorization.ToString() != "Bearer " + key
                ? Error(SandboxResult<SandboxError>.Refuse(401, "UNAUTHORIZED", "missing or wrong API key"))
                : await next(context));
        MapApi(api, sandbox, BaseUrl);
        MapPages(root, sandbox);
        MapControls(root.MapGroup("/sandbox"), sandbox);
        return root;
    }

    /// <summary>
    /// Registers a <see cref="DodoSandbox"/> singleton for <see cref="MapDodoSandbox(IEndpointRouteBuilder, string)"/>;
    /// the container disposes it (waiting for its deliveries) when the app stops.
    /// </summary>
    public static IServiceCollection AddDodoSandbox(this IServiceCollection services, DodoSandboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(_ => new DodoSandbox(options));
        return services;
    }

    private static void MapApi(RouteGroupBuilder api, DodoSandbox sandbox, Func<HttpRequest, Uri> baseUrl)
    {
        api.MapPost("/products", async (HttpRequest request, CancellationToken ct) =>
        {
            var (product, bad) = await ReadAsync(request, DodoJsonContext.Default.SandboxProductRequest, null, ct);
            return bad ?? Answer(sandbox.UpsertProduct(product!), DodoJsonContext.Default.SandboxProduct);
        });
        api.MapGet("/products", () => Results.Json(sandbox.ListProducts(), DodoJsonContext.Default.ListSandboxProduct));
        api.MapGet("/products/{id}", (string id) => OrNotFound(sandbox.GetProduct(id), DodoJsonContext.Default.SandboxProduct, "product"));

        api.MapPost("/checkouts", async (HttpRequest request, CancellationToken ct) =>
        {
            var (checkout, bad) = await ReadAsync(request, DodoJsonContext.Default.DodoCheckoutRequest, null, ct);
            return bad ?? Answer(sandbox.CreateCheckout(checkout!, baseUrl(request)), DodoJsonContext.Default.DodoCheckoutResponse);
        });
        api.MapGet("/checkouts/{id}", (string id) => OrNotFound(sandbox.GetCheckout(id), DodoJsonContext.Default.DodoCheckoutStatus, "checkout session"));

        api.MapGet("/payments/{id}", (string id) => OrNotFound(sandbox.GetPayment(id), DodoJsonContext.Default.DodoPayment, "payment"));
        api.MapGet("/subscriptions/{id}", (string id) => OrNotFound(sandbox.GetSubscription(id), DodoJsonContext.Default.DodoSubscription, "subscription"));
        api.MapPatch("/subscriptions/{id}", async (string id, HttpRequest request, CancellationToken ct) =>
        {
            var (patch, bad) = await ReadAsync(request, DodoJsonContext.Default.DodoSubscriptionPatch, new DodoSubscriptionPatch(), ct);
            if (bad is not null)
                return bad;
            var outcome = await sandbox.PatchAsync(id, patch!, new SandboxControlRequest(), ct);
            // Dodo answers a PATCH with the subscription.
            return outcome.Value is { Subscription: { } s } ? Results.Json(s, DodoJsonContext.Default.DodoSubscription) : Error(outcome);
        });
        api.MapPost("/subscriptions/{id}/change-plan", async (string id, HttpRequest request, CancellationToken ct) =>
        {
            var (change, bad) = await ReadAsync(request, DodoJsonContext.Default.DodoChangePlanRequest, null, ct);
            return bad ?? Answer(await sandbox.ChangePlanAsync(id, change!, new SandboxControlRequest(), ct), DodoJsonContext.Default.SandboxControlResponse);
        });

        api.MapPost("/customers/{id}/customer-portal/session", (string id, HttpRequest request) =>
            OrNotFound(sandbox.CustomerPortal(id, request.Query["return_url"].FirstOrDefault(), baseUrl(request)),
                DodoJsonContext.Default.DodoCustomerPortalSession, "customer"));
    }

    /// <summary>
    /// Reads a JSON body with the Dodo context. An empty body is <paramref name="empty"/> (an error
    /// when that is null); a body that does not parse, or is too big, is a 400 with the reason.
    /// </summary>
    private static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type, T? empty, CancellationToken ct)
        where T : class
    {
        if (request.ContentLength > MaxBodyBytes)
            return (null, Error(SandboxResult<SandboxError>.Refuse(413, "TOO_LARGE", $"bodies are limited to {MaxBodyBytes} bytes")));
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        if (buffer.Length > MaxBodyBytes)
            return (null, Error(SandboxResult<SandboxError>.Refuse(413, "TOO_LARGE", $"bodies are limited to {MaxBodyBytes} bytes")));
        if (buffer.Length == 0)
            return empty is not null ? (empty, null) : (null, Error(SandboxResult<SandboxError>.Invalid("a JSON body is required")));
        try
        {
            var value = JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), type);
            return value is null ? (null, Error(SandboxResult<SandboxError>.Invalid("a JSON object is required"))) : (value, null);
        }
        catch (JsonException e)
        {
            return (null, Error(SandboxResult<SandboxError>.Refuse(400, "INVALID_JSON", e.Message)));
        }
    }

    private static IResult Answer<T>(SandboxResult<T> outcome, JsonTypeInfo<T> type)
        where T : class =>
        outcome.Value is { } value ? Results.Json(value, type) : Error(outcome);

    private static IResult OrNotFound<T>(T? value, JsonTypeInfo<T> type, string what)
        where T : class =>
        value is not null ? Results.Json(value, type) : Error(SandboxResult<T>.NotFound(what));

    private static IResult Error<T>(SandboxResult<T> outcome)
        where T : class =>
        Results.Json(outcome.Error!, DodoJsonContext.Default.SandboxError, statusCode: outcome.StatusCode);
}
