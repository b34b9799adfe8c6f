namespace Tally.Payments.Dodo.Sandbox;

/// <summary>The kind of object a webhook carries: its payload is rebuilt from that object on retries and redeliveries.</summary>
internal enum SandboxObjectKind
{
    Payment,
    Subscription,
    Refund,
    Dispute,
}

/// <summary>
/// One recorded webhook event: its id (shared by duplicates and redeliveries), the body as it was
/// when emitted, and every delivery attempt. Attempts are added from concurrent deliveries, so
/// they are guarded by their own lock.
/// </summary>
internal sealed class SandboxEvent(string webhookId, string type, SandboxObjectKind kind, string objectId, DateTimeOffset timestamp, byte[] body)
{
    private readonly Lock _gate = new();
    private readonly List<SandboxAttemptView> _attempts = [];

    public string WebhookId { get; } = webhookId;

    public string Type { get; } = type;

    public SandboxObjectKind Kind { get; } = kind;

    public string ObjectId { get; } = objectId;

    public DateTimeOffset Timestamp { get; } = timestamp;

    /// <summary>The body as emitted: the object's state at that moment.</summary>
    public byte[] Body { get; } = body;

    public void Record(SandboxAttemptView attempt)
    {
        lock (_gate)
            _attempts.Add(attempt);
    }

    public SandboxEventView View()
    {
        lock (_gate)
        {
            var delivered = _attempts.Any(a => a.StatusCode is >= 200 and < 300);
            return new SandboxEventView(WebhookId, Type, ObjectId, Timestamp, delivered, [.. _attempts]);
        }
    }
}
