using Tally.Payments;
using Tally.Payments.Checkout;
using Tally.Payments.Dodo;
using Tally.Payments.Dodo.Sandbox;
using Tally.Payments.Dodo.Webhooks;
using Tally.Payments.Providers;
using Tally.Payments.Reconciliation;
using Tally.Payments.Webhooks;
using Tally.Server.Hosting;

namespace Tally.Server.Features.Payments;

/// <summary>Whether payments go to DodoPayments, to the built-in sandbox (mounted at <see cref="SandboxPrefix"/>), or nowhere (selling off).</summary>
public sealed record PaymentMode(bool Sandbox, bool Enabled = true)
{
    public const string SandboxPrefix = "/sandbox/dodo";
}

/// <summary>Registers selling: checkout, webhook effects, and the provider — DodoPayments when DODO_API_KEY is set, else the sandbox.</summary>
public static class PaymentServices
{
    public static IServiceCollection AddTallyPayments(this IServiceCollection services, TallyOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton(settings.Payments);
        services.AddSingleton<PaymentEffects>();
        services.AddSingleton<SubscriptionHandler>();
        services.AddSingleton<WebhookProcessor>();
        services.AddSingleton<CheckoutService>();
        services.AddSingleton(sp => new Reconciler(
            sp.GetRequiredService<IPaymentStore>(),
            sp.GetRequiredService<IPaymentProvider>(),
            sp.GetRequiredService<WebhookProcessor>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<Reconciler>>())
        {
            PendingAge = TimeSpan.FromMinutes(settings.ReconcilePendingMinutes),
        });
        services.AddHostedService<ReconcilerService>();
        if (settings.DodoApiKey is { Length: > 0 } apiKey)
        {
            services.AddSingleton(new PaymentMode(Sandbox: false));
            services.AddDodoPayments(o =>
            {
                o.ApiKey = apiKey;
                o.Environment = settings.DodoEnvironment;
                o.WebhookSecret = settings.DodoWebhookSecret ?? "";
                o.BaseUrl = settings.DodoBaseUrl is { } url ? new Uri(url) : null;
                o.CustomProductId = settings.DodoCustomProductId;
            });
            return services;
        }

        if (!settings.PaymentsSandbox)
        {
            services.AddSingleton(new PaymentMode(Sandbox: false, Enabled: false));
            services.AddSingleton<IPaymentProvider, DisabledPaymentProvider>();
            services.AddSingleton<IWebhookReader, DisabledPaymentProvider>();
            return services;
        }

        // The sandbox, in this process: Tally calls its Dodo API and it calls Tally's webhook, both
        // over loopback HTTP, signed with a secret made for this run unless one is configured.
        var secret = settings.DodoWebhookSecret is { Length: > 0 } configured ? configured : StandardWebhooks.NewSecret();
        var self = new SelfAddress();
        services.AddSingleton(new PaymentMode(Sandbox: true));
        services.AddSingleton(self);
        // The sandbox keeps Tally's clock: its periods, webhook timestamps and retries follow a
        // test's fake time exactly as the ledger's expiries do.
        services.AddSingleton(sp => new DodoSandbox(new DodoSandboxOptions
        {
            WebhookUrl = new Uri(SelfAddress.Placeholder, "webhooks/dodo"),
            WebhookSecret = secret,
            WebhookHandler = new SelfRoutingHandler(self),
            PublicBaseUrl = settings.PublicUrl is { } publicUrl ? new Uri(publicUrl.TrimEnd('/') + PaymentMode.SandboxPrefix + "/") : null,
            TimeProvider = sp.GetRequiredService<TimeProvider>(),
        }));
        services.AddSingleton<IPaymentProvider>(sp => new SandboxPaymentProvider(
            new HttpClient(new SelfRoutingHandler(self)),
            new DodoOptions
            {
                ApiKey = "sandbox",
                BaseUrl = new Uri(SelfAddress.Placeholder, PaymentMode.SandboxPrefix.TrimStart('/') + "/"),
                WebhookSecret = secret,
                CustomProductId = settings.DodoCustomProductId,
            }));
        services.AddSingleton<IWebhookReader>(sp => new DodoWebhookReader(secret, sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
