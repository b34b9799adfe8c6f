using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Tally.Ledger.Commands;
using Tally.Server.Auth;
using Tally.Server.Http;

namespace Tally.Server.Hosting;

/// <summary>
/// ASP.NET Core rate limiting, off unless configured: requests per API key
/// (<c>TALLY_RATE_LIMIT_REQUESTS</c> per <c>TALLY_RATE_LIMIT_WINDOW</c> ms) as the global limiter,
/// and deductions per account (<see cref="DeductionLimits"/>). Limits are per instance. Refusals
/// answer 429 rate_limited with Retry-After.
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddTallyRateLimits(this IServiceCollection services, TallyOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton<DeductionLimits>();
        return services.AddRateLimiter(options =>
        {
            options.OnRejected = (context, _) => new ValueTask(Refusal(context.HttpContext, context.Lease).ExecuteAsync(context.HttpContext));
            if (settings.KeyRateLimit is { } perKey)
            {
                options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                    TallyClaims.CredentialOf(http.User) is { } credential
                        ? RateLimitPartition.GetFixedWindowLimiter(credential, _ => Window(perKey, settings.KeyRateWindow))
                        : RateLimitPartition.GetNoLimiter(""));
            }
        });
    }

    internal static FixedWindowRateLimiterOptions Window(int permits, TimeSpan window) => new()
    {
        PermitLimit = permits,
        Window = window,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>The 429 answer for a refused lease, with Retry-After (seconds) set on the response.</summary>
    public static BytesResult Refusal(HttpContext http, RateLimitLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return Refusal(http, lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1));
    }

    /// <summary>The 429 answer, with Retry-After (whole seconds, at least 1) set on the response.</summary>
    public static BytesResult Refusal(HttpContext http, TimeSpan retryAfter)
    {
        ArgumentNullException.ThrowIfNull(http);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Problems.Result(http, StatusCodes.Status429TooManyRequests, "rate_limited", $"too many requests; retry in {seconds} s",
            new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
    }
}

/// <summary>
/// The per-account deduction limit (<c>CREDIT_RATE_LIMIT_MAX_DEDUCTIONS</c> per
/// <c>CREDIT_RATE_LIMIT_WINDOW</c> ms). Every deduction counts wherever it comes from: charges and
/// holds, each one of a batch, transfers (for the account paying) and negative adjustments. It is
/// applied to the commands themselves, so no endpoint can forget it.
/// </summary>
public sealed class DeductionLimits(IOptions<TallyOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter = options.Value.MaxDeductions is { } max
        ? PartitionedRateLimiter.Create<string, string>(account => RateLimitPartition.GetFixedWindowLimiter(account, _ => RateLimits.Window(max, options.Value.DeductionWindow)))
        : null;

    /// <summary>
    /// Takes a permit per deduction in <paramref name="commands"/> from each account's window;
    /// null when all were granted, else how long to wait (the request must then do nothing). More
    /// deductions for one account than a whole window allows are refused for a whole window.
    /// </summary>
    public TimeSpan? TryAcquire(IReadOnlyList<LedgerCommand> commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        if (_limiter is null || options.Value.MaxDeductions is not { } max)
        {
            return null;
        }

        foreach (var (account, count) in Deductions(commands).CountBy(a => a, StringComparer.Ordinal))
        {
            if (count > max)
            {
                return options.Value.DeductionWindow;
            }

            using var lease = _limiter.AttemptAcquire(account, count);
            if (!lease.IsAcquired)
            {
                return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
            }
        }

        return null;
    }

    private static IEnumerable<string> Deductions(IReadOnlyList<LedgerCommand> commands)
    {
        foreach (var command in commands)
        {
            var account = command switch
            {
                Charge c => c.Account,
                Reserve r => r.Account,
                Transfer t => t.From,
                Adjust { Amount.IsNegative: true } a => a.Account,
                _ => null,
            };
            if (account is not null)
            {
                yield return account;
            }
        }
    }

    public void Dispose() => _limiter?.Dispose();
}
