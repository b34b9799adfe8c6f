namespace Tally.Payments.Dodo;

/// <summary>How Tally reaches DodoPayments (SPEC §6: DODO_API_KEY, DODO_ENVIRONMENT, DODO_WEBHOOK_SECRET).</summary>
public sealed class DodoOptions
{
    public const string TestMode = "test_mode";
    public const string LiveMode = "live_mode";

    /// <summary>The API key, sent as <c>Authorization: Bearer …</c>. Required.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary><see cref="TestMode"/> (default, https://test.dodopayments.com) or <see cref="LiveMode"/> (https://live.dodopayments.com).</summary>
    public string Environment { get; set; } = TestMode;

    /// <summary>Overrides the environment's base URL (the sandbox, a proxy). Paths are appended to it, so a path prefix is kept.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>The webhook endpoint's secret (<c>whsec_…</c>) that incoming webhooks are verified with. Required.</summary>
    public string WebhookSecret { get; set; } = "";

    /// <summary>
    /// A pay-what-you-want product used for custom amounts: a checkout with an amount and no
    /// product id is sold as this product at that amount. Optional.
    /// </summary>
    public string? CustomProductId { get; set; }

    /// <summary>The base URL requests go to, ending in '/': <see cref="BaseUrl"/> or the environment's. Throws for an unknown environment.</summary>
    public Uri ResolveBaseUrl()
    {
        var url = BaseUrl ?? Environment switch
        {
            TestMode => new Uri("https://test.dodopayments.com/"),
            LiveMode => new Uri("https://live.dodopayments.com/"),
            _ => throw new InvalidOperationException($"Dodo environment must be {TestMode} or {LiveMode}, not '{Environment}'."),
        };
        return url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
    }

    /// <summary>The first problem with these options, naming the setting, or null when they are usable.</summary>
    public string? Problem()
    {
        if (string.IsNullOrWhiteSpace(ApiKey))
            return "DODO_API_KEY is required.";
        if (BaseUrl is null && Environment is not (TestMode or LiveMode))
            return $"DODO_ENVIRONMENT must be {TestMode} or {LiveMode}.";
        if (BaseUrl is { IsAbsoluteUri: false })
            return "The Dodo base URL must be absolute.";
        if (string.IsNullOrWhiteSpace(WebhookSecret))
            return "DODO_WEBHOOK_SECRET is required.";
        try
        {
            _ = Webhooks.StandardWebhooks.DecodeSecret(WebhookSecret);
        }
        catch (ArgumentException)
        {
            return "DODO_WEBHOOK_SECRET must be whsec_<base64>.";
        }

        return null;
    }
}
