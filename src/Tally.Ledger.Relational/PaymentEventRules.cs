using System.Text;
using System.Text.Json;
using Tally.Payments;
using Tally.Payments.Providers;

namespace Tally.Ledger.Relational;

/// <summary>
/// Which outbound events a payment or subscription change raises (docs/webhooks.md). The stores
/// apply them in the transaction that makes the change, comparing the row before and after it,
/// and write each as an outbox row naming its subject; the relay renders it. Event ids are a hash
/// of type and subject, so a transition seen twice (a retried webhook, a racing reconciler) is
/// still one event.
/// </summary>
public static class PaymentEventRules
{
    public const string PaymentSucceeded = "payment.succeeded";
    public const string PaymentRefunded = "payment.refunded";
    public const string SubscriptionActivated = "subscription.activated";
    public const string SubscriptionRenewed = "subscription.renewed";
    public const string SubscriptionCancelled = "subscription.cancelled";

    /// <summary>payment.succeeded when a payment becomes succeeded from pending, failed or cancelled.</summary>
    public static IEnumerable<(string Type, string Subject)> OfPayment(string? statusBefore, string? statusAfter, string paymentId)
    {
        if (statusAfter == "succeeded" && statusBefore is "pending" or "failed" or "cancelled")
        {
            yield return (PaymentSucceeded, Subject(w => w.WriteString("payment", paymentId)));
        }
    }

    /// <summary>payment.refunded once per refund recorded (not for disputes or freezes).</summary>
    public static IEnumerable<(string Type, string Subject)> OfEffect(PaymentEffect effect, bool recorded)
    {
        ArgumentNullException.ThrowIfNull(effect);
        if (recorded && effect.Kind == PaymentEffectKind.Refund)
        {
            yield return (PaymentRefunded, Subject(w =>
            {
                w.WriteString("payment", effect.PaymentId);
                w.WriteString("effect", effect.Key);
                w.WriteNumber("amount", effect.Amount);
                w.WriteNumber("credits", effect.Credits);
            }));
        }
    }

    /// <summary>
    /// subscription.activated when it becomes active (new, or from another status);
    /// subscription.renewed when an active one moves to a later period;
    /// subscription.cancelled when it becomes cancelled.
    /// </summary>
    public static IEnumerable<(string Type, string Subject)> OfSubscription(SubscriptionRecord? before, SubscriptionRecord after)
    {
        ArgumentNullException.ThrowIfNull(after);
        string Period(SubscriptionRecord s) => Subject(w =>
        {
            w.WriteString("provider", s.Provider);
            w.WriteString("subscription", s.ProviderSubscriptionId);
            w.WriteString("periodStart", s.PeriodStart.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", System.Globalization.CultureInfo.InvariantCulture));
        });

        if (after.Status == SubscriptionState.Active && before?.Status != SubscriptionState.Active)
        {
            yield return (SubscriptionActivated, Period(after));
        }
        else if (after.Status == SubscriptionState.Active && before is not null && after.PeriodStart > before.PeriodStart)
        {
            yield return (SubscriptionRenewed, Period(after));
        }

        if (after.Status == SubscriptionState.Cancelled && before?.Status != SubscriptionState.Cancelled)
        {
            yield return (SubscriptionCancelled, Subject(w =>
            {
                w.WriteString("provider", after.Provider);
                w.WriteString("subscription", after.ProviderSubscriptionId);
            }));
        }
    }

    private static string Subject(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
