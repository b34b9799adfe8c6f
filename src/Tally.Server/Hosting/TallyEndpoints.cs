using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Prometheus;
using Scalar.AspNetCore;
using Tally.Server.Features.Accounts;
using Tally.Server.Features.Analytics;
using Tally.Server.Features.ApiKeys;
using Tally.Server.Features.Batch;
using Tally.Server.Features.Catalog;
using Tally.Server.Features.Charges;
using Tally.Server.Features.ClientTokens;
using Tally.Server.Features.Entries;
using Tally.Server.Features.Events;
using Tally.Server.Features.Grants;
using Tally.Server.Features.Holds;
using Tally.Payments.Dodo.Sandbox;
using Tally.Server.Features.Payments;
using Tally.Server.Features.Pricing;
using Tally.Server.Features.Rules;
using Tally.Server.Features.Selling;
using Tally.Server.Features.Transfers;
using Tally.Server.Features.Webhooks;

namespace Tally.Server.Hosting;

/// <summary>Mounts Tally: the /v1 API, ops endpoints, OpenAPI and its reference UI.</summary>
public static class TallyEndpoints
{
    /// <summary>The middleware Tally needs, in order; call before <see cref="MapTally"/>.</summary>
    public static WebApplication UseTally(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages(context => StatusProblems.WriteAsync(context.HttpContext));
        app.UseHttpMetrics();
        if (app.Services.GetService<SelfAddress>() is { } self)
        {
            self.Bind(app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>());
        }

        if (app.Services.GetRequiredService<IOptions<TallyOptions>>().Value.CorsOriginList.Count > 0)
        {
            app.UseCors();
        }

        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        if (app.Services.GetRequiredService<IOptions<TallyOptions>>().Value.KeyRateLimit is not null)
        {
            app.UseRateLimiter();
        }

        return app;
    }

    public static IEndpointRouteBuilder MapTally(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1");
        v1.MapAccounts();
        v1.MapGrants();
        v1.MapCharges();
        v1.MapHolds();
        v1.MapEntries();
        v1.MapEvents();
        v1.MapTransfers();
        v1.MapBatch();
        v1.MapCatalog();
        v1.MapApiKeys();
        v1.MapClientTokens();
        Ui.Portal.PortalLinkEndpoints.MapPortalLinks(v1);
        v1.MapPricing();
        v1.MapPackages();
        v1.MapPlans();
        v1.MapCheckout();
        v1.MapPayments();
        v1.MapSubscriptions();
        v1.MapWebhookEvents();
        v1.MapRules();
        v1.MapOutboundWebhooks();
        Features.Fraud.FraudEndpoints.MapFraudFlags(v1);
        if (app.ServiceProvider.GetRequiredService<IOptions<TallyOptions>>().Value.EnableAnalytics)
        {
            v1.MapAnalytics();
        }

        app.MapDodoWebhook();
        if (app.ServiceProvider.GetRequiredService<PaymentMode>().Sandbox)
        {
            app.MapDodoSandbox(PaymentMode.SandboxPrefix);
        }

        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        app.MapMetrics("/metrics");
        app.MapOpenApi("/openapi/{documentName}.json");
        // The reference UI stays on this machine: no AI agent, MCP, deploy or client buttons that
        // lead to Scalar's cloud, no telemetry, no fonts from a CDN.
        app.MapScalarApiReference("/docs", options => options
            .WithOpenApiRoutePattern("/openapi/{documentName}.json")
            .WithTitle("Tally API")
            .DisableAgent()
            .DisableMcp()
            .DisableTelemetry()
            .DisableDefaultFonts()
            .HideClientButton()
            .HideDeveloperTools());
        Ui.UiEndpoints.MapTallyUi(app);

        return app;
    }
}
