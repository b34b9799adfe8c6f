using System.Text.Json;

namespace Tally.TestSupport.Payments;

/// <summary>DodoPayments webhook bodies as Dodo sends them, for tests and the replay-storm benchmark.</summary>
public static class DodoPayloads
{
    /// <summary>A <c>payment.succeeded</c> for a checkout Tally opened (metadata names the account and Tally's payment).</summary>
    public static string PaymentSucceeded(string dodoPayment, string account, string tallyPayment, string product, long amount) => JsonSerializer.Serialize(new
    {
        business_id = "bus_test",
        type = "payment.succeeded",
        timestamp = DateTimeOffset.UtcNow,
        data = new
        {
            payload_type = "Payment",
            payment_id = dodoPayment,
            business_id = "bus_test",
            total_amount = amount,
            settlement_amount = amount,
            currency = "USD",
            status = "succeeded",
            created_at = DateTimeOffset.UtcNow,
            customer = new { customer_id = "cus_1", email = "a@example.com", name = "A" },
            metadata = new Dictionary<string, string> { ["tally_account"] = account, ["tally_payment"] = tallyPayment },
            product_cart = new[] { new { product_id = product, quantity = 1 } },
            refunds = Array.Empty<object>(),
            disputes = Array.Empty<object>(),
        },
    });
}
