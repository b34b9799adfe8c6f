using System.Text.Json;
using Tally.Payments.Dodo.Webhooks;
using Tally.Payments.Providers;

namespace Tally.Payments.Dodo;

/// <summary>
/// Reads a DodoPayments webhook: verifies its Standard Webhooks signature over the raw body, then
/// maps <c>data</c> by its <c>payload_type</c> to a <see cref="PaymentEvent"/>,
/// <see cref="SubscriptionEvent"/>, <see cref="RefundEvent"/> or <see cref="DisputeEvent"/>; every
/// other payload (license keys, payouts, credits, …) and a subscription or dispute in a status Tally
/// does not know becomes an <see cref="OtherEvent"/>. A body that does not parse, under a valid
/// signature, is refused as "malformed payload". Thread-safe.
/// </summary>
public sealed class DodoWebhookReader(StandardWebhooks verifier) : IWebhookReader
{
    public const string MalformedPayload = "malformed payload";

    /// <summary>A reader for the endpoint secret (<c>whsec_…</c>), checking timestamps against <paramref name="time"/>.</summary>
    public DodoWebhookReader(string secret, TimeProvider time) : this(new StandardWebhooks(secret, time))
    {
    }

    /// <inheritdoc />
    public WebhookRead Read(IReadOnlyDictionary<string, string> headers, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var verification = verifier.Verify(headers, body);
        if (!verification.IsValid)
            return WebhookRead.Refused(verification.Refusal!);

        return ParseStored(StandardWebhooks.FindHeader(headers, StandardWebhooks.IdHeader)!, body);
    }

    /// <inheritdoc />
    public WebhookRead ParseStored(string eventId, ReadOnlySpan<byte> body)
    {
        try
        {
            return WebhookRead.Of(Map(eventId, body));
        }
        catch (JsonException)
        {
            return WebhookRead.Refused(MalformedPayload);
        }
        catch (FormatException)
        {
            // A dispute amount that is not exact minor units, or a refund without an amount.
            return WebhookRead.Refused(MalformedPayload);
        }
        catch (OverflowException)
        {
            return WebhookRead.Refused(MalformedPayload);
        }
    }

    private static ProviderEvent Map(string eventId, ReadOnlySpan<byte> body)
    {
        var payload = JsonSerializer.Deserialize(body, DodoJsonContext.Default.DodoWebhookPayload)
            ?? throw new JsonException("null payload");
        if (payload.Data.ValueKind != JsonValueKind.Object)
            throw new JsonException("data is not an object");

        var (type, at, data) = (payload.Type, payload.Timestamp, payload.Data);
        return PayloadType(data) switch
        {
            "Payment" => new PaymentEvent(eventId, type, at, DodoMapping.ToPayment(Read(data, DodoJsonContext.Default.DodoPayment))),
            "Subscription" => DodoMapping.ToSubscription(Read(data, DodoJsonContext.Default.DodoSubscription)) is { } s
                ? new SubscriptionEvent(eventId, type, at, s)
                : new OtherEvent(eventId, type, at),
            "Refund" => new RefundEvent(eventId, type, at, DodoMapping.ToRefund(Read(data, DodoJsonContext.Default.DodoRefund))),
            "Dispute" => DodoMapping.ToDispute(Read(data, DodoJsonContext.Default.DodoDispute)) is { } d
                ? new DisputeEvent(eventId, type, at, d)
                : new OtherEvent(eventId, type, at),
            _ => new OtherEvent(eventId, type, at),
        };
    }

    private static string? PayloadType(JsonElement data) =>
        data.TryGetProperty("payload_type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;

    private static T Read<T>(JsonElement data, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        data.Deserialize(type) ?? throw new JsonException("null data");
}
