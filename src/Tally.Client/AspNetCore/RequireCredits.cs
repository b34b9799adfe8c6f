using System.Diagnostics.Metrics;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tally.Client.Models;

namespace Tally.Client.AspNetCore;

/// <summary>Options of one guarded endpoint.</summary>
public sealed class RequireCreditsOptions
{
    /// <summary>Finds the Tally account of the caller. Default: the NameIdentifier claim, else the X-Tally-Account header.</summary>
    public Func<HttpContext, string?> Account { get; set; } = DefaultAccount;

    /// <summary>What to do when Tally is unreachable; null takes <see cref="TallyClientOptions.FailureMode"/>.</summary>
    public FailureMode? FailureMode { get; set; }

    /// <summary>How long the reservation lives if the endpoint never finishes (seconds).</summary>
    public int TtlSeconds { get; set; } = 300;

    public static string? DefaultAccount(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.User.FindFirstValue(ClaimTypes.NameIdentifier)
            ?? (http.Request.Headers.TryGetValue("X-Tally-Account", out var header) ? header.ToString() : null);
    }
}

/// <summary>Lets a guarded endpoint charge less than it reserved: the actual cost of the work.</summary>
public static class CreditUsage
{
    private const string Key = "tally:usage";

    /// <summary>Capture <paramref name="amount"/> (≤ the reserved amount) instead of the whole hold.</summary>
    public static void SetCreditUsage(this HttpContext http, decimal amount)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Items[Key] = amount;
    }

    internal static decimal? Of(HttpContext http) => http.Items.TryGetValue(Key, out var value) ? value as decimal? : null;
}

/// <summary>
/// <c>.RequireCredits("image.generate", 1)</c>: reserves the feature's cost before the endpoint
/// runs (402 or 423 problem if the account cannot pay), captures it when the endpoint answers 2xx
/// (or what it reported through <see cref="CreditUsage.SetCreditUsage"/>), and releases it when
/// the endpoint fails or throws. If Tally cannot be reached: 503 (Closed) or run uncharged (Open).
/// </summary>
public static class RequireCreditsExtensions
{
    public static TBuilder RequireCredits<TBuilder>(this TBuilder builder, string feature, decimal quantity = 1, Action<RequireCreditsOptions>? configure = null)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentException.ThrowIfNullOrEmpty(feature);
        var options = new RequireCreditsOptions();
        configure?.Invoke(options);
        builder.AddEndpointFilter(new RequireCreditsFilter(feature, quantity, options));
        return builder;
    }
}

internal sealed partial class RequireCreditsFilter(string feature, decimal quantity, RequireCreditsOptions options) : IEndpointFilter
{
    private static readonly Meter Meter = new("Tally.Client");
    private static readonly Counter<long> Unpaid = Meter.CreateCounter<long>("tally_client_uncharged_calls", description: "Calls let through uncharged because Tally was unreachable (FailureMode.Open)");

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var services = http.RequestServices;
        var client = services.GetRequiredService<TallyClient>();
        var mode = options.FailureMode ?? services.GetService<IOptions<TallyClientOptions>>()?.Value.FailureMode ?? FailureMode.Closed;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Tally.Client.RequireCredits");
        var account = options.Account(http);
        if (string.IsNullOrEmpty(account))
        {
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "No account", detail: "the caller has no Tally account");
        }

        Hold hold;
        try
        {
            hold = await client.Holds.ReserveAsync(account, new HoldRequest(Feature: feature, Quantity: quantity, TtlSeconds: options.TtlSeconds), ct: http.RequestAborted);
        }
        catch (TallyInsufficientCreditsException e)
        {
            return Results.Problem(statusCode: StatusCodes.Status402PaymentRequired, title: "Insufficient credits", detail: e.Detail,
                extensions: new Dictionary<string, object?> { ["code"] = e.Code, ["available"] = e.Available, ["required"] = e.Required });
        }
        catch (TallyAccountFrozenException e)
        {
            return Results.Problem(statusCode: StatusCodes.Status423Locked, title: "Account frozen", detail: e.Detail,
                extensions: new Dictionary<string, object?> { ["code"] = e.Code });
        }
        catch (TallyUnavailableException e) when (mode == FailureMode.Open)
        {
            Unpaid.Add(1, new KeyValuePair<string, object?>("feature", feature));
            RanUncharged(logger, feature, account, e.Message);
            return await next(context);
        }
        catch (TallyUnavailableException)
        {
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Credits unavailable", detail: "the credit service cannot be reached; retry later");
        }

        object? result;
        try
        {
            result = await next(context);
        }
        catch
        {
            await SettleAsync(client, hold, capture: false, http, logger);
            throw;
        }

        var status = result is IStatusCodeHttpResult { StatusCode: { } code } ? code : http.Response.StatusCode;
        await SettleAsync(client, hold, capture: status is >= 200 and < 300, http, logger);
        return result;
    }

    /// <summary>Captures or releases; a failure to do so is logged, and the hold's TTL returns the credits anyway.</summary>
    private static async Task SettleAsync(TallyClient client, Hold hold, bool capture, HttpContext http, ILogger logger)
    {
        try
        {
            if (capture)
            {
                await client.Holds.CaptureAsync(hold.Id, CreditUsage.Of(http), ct: CancellationToken.None);
            }
            else
            {
                await client.Holds.ReleaseAsync(hold.Id, ct: CancellationToken.None);
            }
        }
        catch (Exception e) when (e is TallyApiException or TallyUnavailableException)
        {
            SettleFailed(logger, hold.Id, capture ? "capture" : "release", e);
        }
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "Tally unreachable: {Feature} ran uncharged for {Account} ({Reason})")]
    private static partial void RanUncharged(ILogger logger, string feature, string account, string reason);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Error, Message = "Could not {Action} hold {HoldId}; its TTL will return the credits")]
    private static partial void SettleFailed(ILogger logger, string holdId, string action, Exception exception);
}
