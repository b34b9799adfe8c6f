using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;

namespace Tally.Client;

/// <summary>What <c>RequireCredits</c> does when Tally cannot be reached.</summary>
public enum FailureMode
{
    /// <summary>The guarded endpoint answers 503 (default: nothing runs unpaid).</summary>
    Closed,

    /// <summary>The endpoint runs uncharged; each such call is logged as a warning and counted.</summary>
    Open,
}

/// <summary>Where Tally is and how to call it.</summary>
public sealed class TallyClientOptions
{
    /// <summary>The Tally server, e.g. http://127.0.0.1:5080.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>An API key (tally_sk_…) with the scopes the app needs (charge, and read/grant as used).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Per attempt; the resilience pipeline retries transient failures within <see cref="TotalTimeout"/>.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The default for <c>RequireCredits</c> endpoints that do not choose.</summary>
    public FailureMode FailureMode { get; set; } = FailureMode.Closed;
}

public static class TallyClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="TallyClient"/> as a typed HttpClient with the standard resilience
    /// pipeline (retries with backoff on network errors, 408, 429 and 5xx; timeouts; circuit
    /// breaker). Every mutation carries one Idempotency-Key across its retries.
    /// </summary>
    public static IHttpClientBuilder AddTallyClient(this IServiceCollection services, Action<TallyClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.Configure(configure);
        var options = new TallyClientOptions();
        configure(options);
        var builder = services.AddHttpClient<TallyClient>(http =>
        {
            http.BaseAddress = options.BaseAddress ?? throw new ArgumentException("TallyClientOptions.BaseAddress is required");
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey ?? throw new ArgumentException("TallyClientOptions.ApiKey is required"));
            http.Timeout = Timeout.InfiniteTimeSpan;
        });
        builder.AddStandardResilienceHandler(resilience =>
        {
            resilience.AttemptTimeout.Timeout = options.AttemptTimeout;
            resilience.TotalRequestTimeout.Timeout = options.TotalTimeout;
            resilience.CircuitBreaker.SamplingDuration = options.AttemptTimeout * 2 > TimeSpan.FromSeconds(30) ? options.AttemptTimeout * 2 : TimeSpan.FromSeconds(30);
            resilience.Retry.ShouldRetryAfterHeader = true;
            // Mutations are safe to retry: each call carries one Idempotency-Key on all attempts.
            resilience.Retry.ShouldHandle = args => ValueTask.FromResult(HttpClientResiliencePredicates.IsTransient(args.Outcome));
        });
        return builder;
    }
}
