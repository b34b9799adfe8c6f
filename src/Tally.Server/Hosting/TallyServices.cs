using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Tally.Access;
using Tally.Ledger;
using Tally.Ledger.Storage;
using Tally.Server.Auth;
using Tally.Server.Features.Events;
using Tally.Server.Features.Payments;
using Tally.Server.Features.Webhooks;
using Tally.Server.Http;
using Tally.Server.Ops;

namespace Tally.Server.Hosting;

/// <summary>Registers Tally in any ASP.NET Core app: <c>services.AddTally(configuration)</c>, then <c>app.MapTally()</c>.</summary>
public static class TallyServices
{
    /// <summary>
    /// Registers the store named by TALLY_DATABASE, the ledger, authentication, rate limits, problem
    /// details, OpenAPI, health checks, metrics, tracing and the background sweeper. Reads and
    /// validates every setting now: a bad one throws <see cref="SettingsException"/> naming it.
    /// </summary>
    public static IServiceCollection AddTally(this IServiceCollection services, IConfiguration configuration, bool demo = false)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        // Read and checked now: what gets registered depends on them, and a bad value must stop
        // the host before it starts, naming the setting. Consumers take IOptions<TallyOptions>.
        var settings = TallyOptions.Load(configuration);
        services.AddOptions<TallyOptions>().Bind(configuration).PostConfigure(o => o.BulkDiscounts = settings.BulkDiscounts).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TallyOptions>, TallyOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new DemoMode(demo));
        services.AddSingleton(sp => StoreFactory.Open(settings.Database, settings.DatabaseRead, settings.DatabaseListen, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Tally.Ledger.Store")));
        services.AddSingleton(sp => (IAccessStore)sp.GetRequiredService<ILedgerStore>());
        services.AddSingleton(sp => (Tally.Payments.IPaymentStore)sp.GetRequiredService<ILedgerStore>());
        services.AddSingleton(sp => new Tally.Ledger.Rules.RuleSet(settings.Rules, sp.GetServices<Tally.Ledger.Rules.ILedgerRule>()));
        services.AddSingleton(sp => new CreditLedger(sp.GetRequiredService<ILedgerStore>(), WithRules(settings.Ledger, sp.GetRequiredService<Tally.Ledger.Rules.RuleSet>()), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<CreditLedger>>()));
        // First of the hosted services, which start in registration order: it migrates the store,
        // so everything that reads it in the background (relay, worker, reconciler, sweeper,
        // change hub) starts on a migrated database, not beside a migration holding its lock.
        services.AddHostedService<TallyStartup>();
        services.AddTallyPayments(settings);
        services.AddTallyWebhooks(settings.Webhooks);
        Features.Fraud.FraudEndpoints.AddTallyFraud(services, settings.Fraud);
        services.AddSingleton<TallyMetrics>();
        services.AddSingleton<LedgerGateway>();
        services.AddSingleton<HttpIdempotency>();
        services.AddSingleton<ApiKeyCache>();
        services.AddSingleton<ClientTokens>();
        services.AddHostedService<ExpirySweeper>();
        services.AddHostedService<JournalPartitionMaintainer>();
        services.AddSingleton(sp => (Tally.Ledger.Analytics.IAnalyticsStore)sp.GetRequiredService<ILedgerStore>());
        services.AddHostedService<Features.Analytics.AnalyticsFolder>();
        services.AddSingleton<ChangeHub>();
        services.AddHostedService(sp => sp.GetRequiredService<ChangeHub>());

        services.AddAuthentication(TallyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TallyAuthenticationHandler>(TallyAuthenticationHandler.SchemeName, null);
        services.AddTallyAuthorization();
        Ui.UiServices.AddTallyUi(services);
        if (settings.CorsOriginList.Count > 0)
        {
            // Bearer credentials only (no cookies), so no AllowCredentials.
            services.AddCors(cors => cors.AddDefaultPolicy(policy => policy
                .WithOrigins([.. settings.CorsOriginList])
                .WithMethods("GET", "POST", "PUT", "PATCH", "DELETE")
                .WithHeaders("Authorization", "Content-Type", "Idempotency-Key", "If-None-Match", "Last-Event-ID", "Cache-Control")
                .WithExposedHeaders("ETag", "Idempotent-Replayed", "Retry-After", "Location")
                .SetPreflightMaxAge(TimeSpan.FromHours(1))));
        }

        services.AddTallyRateLimits(settings);
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var status = context.ProblemDetails.Status ?? 500;
            context.ProblemDetails.Extensions.TryAdd("code", status switch
            {
                404 => "not_found",
                405 => "method_not_allowed",
                413 => "payload_too_large",
                415 => "unsupported_media_type",
                >= 500 => "internal_error",
                _ => "malformed_request",
            });
            context.ProblemDetails.Extensions.TryAdd("traceId", Problems.TraceId(context.HttpContext));
        });
        services.AddExceptionHandler<TallyExceptionHandler>();
        services.AddOpenApi(options => options.AddDocumentTransformer<TallyOpenApi>().AddOperationTransformer<TallyOpenApiOperations>());
        services.AddHealthChecks().AddCheck<DatabaseReadyCheck>("database", tags: ["ready"]);
        // Traces cost a little on every request, so they are recorded only when they go somewhere.
        if (!string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            services.AddOpenTelemetry()
                .ConfigureResource(resource => resource.AddService("tally"))
                .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddSource("Tally.*").AddOtlpExporter());
        }

        return services;
    }

    /// <summary>The ledger's options with the rules in force (configured and host-registered, docs/rules.md).</summary>
    private static LedgerOptions WithRules(LedgerOptions options, Tally.Ledger.Rules.RuleSet rules)
    {
        options.Rules = rules;
        return options;
    }
}
