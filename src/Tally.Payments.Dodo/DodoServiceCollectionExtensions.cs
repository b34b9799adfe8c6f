using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Tally.Payments.Providers;

namespace Tally.Payments.Dodo;

/// <summary>Registers DodoPayments as Tally's payment provider.</summary>
public static class DodoServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="DodoOptions"/> (validated at start: a bad value stops startup naming the
    /// setting), the typed <see cref="DodoClient"/> as <see cref="IPaymentProvider"/> behind the
    /// standard resilience pipeline, <see cref="DodoWebhookReader"/> as <see cref="IWebhookReader"/>,
    /// and <see cref="TimeProvider.System"/> unless a clock is registered. Only GETs are retried:
    /// repeating a POST /checkouts or a change-plan could sell or bill twice.
    /// </summary>
    public static IServiceCollection AddDodoPayments(this IServiceCollection services, Action<DodoOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<DodoOptions>()
            .Configure(configure)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DodoOptions>>(new DodoOptionsValidation()));
        services.TryAddSingleton(TimeProvider.System);

        services.AddHttpClient<DodoClient>()
            .AddStandardResilienceHandler(o => o.Retry.DisableForUnsafeHttpMethods());
        services.TryAddTransient<IPaymentProvider>(sp => sp.GetRequiredService<DodoClient>());

        services.TryAddSingleton(sp => new DodoWebhookReader(
            sp.GetRequiredService<IOptions<DodoOptions>>().Value.WebhookSecret,
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IWebhookReader>(sp => sp.GetRequiredService<DodoWebhookReader>());
        return services;
    }

    private sealed class DodoOptionsValidation : IValidateOptions<DodoOptions>
    {
        public ValidateOptionsResult Validate(string? name, DodoOptions options) =>
            options.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }
}
