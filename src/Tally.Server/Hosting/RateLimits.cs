using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Tally.Server.Auth;
using Tally.Server.Http;

namespace Tally.Server.Hosting;

/// <summary>
/// ASP.NET Core rate limiting, off unless configured: requests per API key
/// (<c>TALLY_RATE_LIMIT_REQUESTS</c> per <c>TALLY_RATE_LIMIT_WINDOW</c> ms) and deductions — charges
/// and holds — per account (<c>CREDIT_RATE_LIMIT_MAX_DEDUCTIONS</c> per <c>CREDIT_RATE_LIMIT_WINDOW</c>
/// ms). Limits are per instance. Refusals answer 429 rate_limited with Retry-After.
/// </summary>
public static class RateLimits
{
    public const string Deductions = "deductions";

    public static IServiceCollection AddTallyRateLimits(this IServiceCollection services, TallySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return services.AddRateLimiter(options =>
        {
            options.OnRejected = RejectAsync;
            if (settings.KeyRateLimit is { } perKey)
            {
                options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                    TallyClaims.CredentialOf(http.User) is { } credential
                        ? RateLimitPartition.GetFixedWindowLimiter(credential, _ => Window(perKey, settings.KeyRateWindow))
                        : RateLimitPartition.GetNoLimiter(""));
            }

            options.AddPolicy(Deductions, http =>
                settings.MaxDeductions is { } max && http.GetRouteValue("externalId") is string account
                    ? RateLimitPartition.GetFixedWindowLimiter(account, _ => Window(max, settings.DeductionWindow))
                    : RateLimitPartition.GetNoLimiter(""));
        });
    }

    private static FixedWindowRateLimiterOptions Window(int permits, TimeSpan window) => new()
    {
        PermitLimit = permits,
        Window = window,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    private static async ValueTask RejectAsync(OnRejectedContext context, CancellationToken ct)
    {
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 1;
        var http = context.HttpContext;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await Problems.Result(http, StatusCodes.Status429TooManyRequests, "rate_limited", $"too many requests; retry in {seconds} s",
            new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds }).ExecuteAsync(http);
    }
}
