using Tally.Payments.Dodo.Webhooks;

namespace Tally.Payments.Dodo.Sandbox;

/// <summary>How the sandbox behaves: where its webhooks go, how they are signed and retried, and its clock.</summary>
public sealed class DodoSandboxOptions
{
    /// <summary>Where webhooks are POSTed (e.g. Tally's <c>/webhooks/dodo</c>). Null: events are recorded, never sent.</summary>
    public Uri? WebhookUrl { get; init; }

    /// <summary>The secret webhooks are signed with (<c>whsec_…</c>); a new random one unless given.</summary>
    public string WebhookSecret { get; init; } = StandardWebhooks.NewSecret();

    /// <summary>
    /// The sandbox's public base URL, ending where its routes start (e.g. <c>http://localhost:5000/sandbox/dodo/</c>),
    /// for checkout and portal links. Null: derived from each request's scheme, host, path base and the mount prefix.
    /// </summary>
    public Uri? PublicBaseUrl { get; init; }

    /// <summary>
    /// The waits before each retry of a failed delivery (non-2xx or no connection); one retry per
    /// entry. Dodo's own schedule spans 27 hours; the default here is short enough to wait for
    /// (now, 1 s, 5 s). Tests use zero delays. Waits run on <see cref="TimeProvider"/>.
    /// </summary>
    public IReadOnlyList<TimeSpan> RetryDelays { get; init; } = [TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)];

    /// <summary>How long one delivery attempt may take (Dodo: 15 s).</summary>
    public TimeSpan DeliveryTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The sandbox's clock: creation times, billing periods, webhook timestamps and retry waits.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The business id on every object and webhook.</summary>
    public string BusinessId { get; init; } = "bus_sandbox";

    /// <summary>When set, the Dodo API routes require <c>Authorization: Bearer</c> with this key (401 otherwise); null accepts any caller.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Sends webhooks through this handler instead of a new socket handler (e.g. a test server's). The sandbox does not dispose it.</summary>
    public HttpMessageHandler? WebhookHandler { get; init; }

    /// <summary>How many events are kept for <c>GET /sandbox/events</c> and redelivery; the oldest go first.</summary>
    public int MaxEvents { get; init; } = 10_000;

    /// <summary>How many checkout sessions the sandbox keeps; past that, <c>POST /checkouts</c> answers 429.</summary>
    public int MaxSessions { get; init; } = 100_000;

    /// <summary>The most copies one control call may ask for with <c>duplicates</c>.</summary>
    public int MaxDuplicates { get; init; } = 32;
}
