namespace Tally.Payments.Dodo.Wire;

/// <summary><c>POST /checkouts</c>.</summary>
public sealed record DodoCheckoutRequest(
    List<DodoProductCartItem> ProductCart,
    Dictionary<string, string>? Metadata = null,
    string? ReturnUrl = null,
    string? CancelUrl = null,
    DodoCheckoutCustomer? Customer = null);

/// <summary>The buyer of a checkout: an existing customer by id, or an email and name.</summary>
public sealed record DodoCheckoutCustomer(string? CustomerId = null, string? Email = null, string? Name = null);

/// <summary>Answer to <c>POST /checkouts</c>.</summary>
public sealed record DodoCheckoutResponse(string SessionId, string? CheckoutUrl = null, string? PaymentId = null);

/// <summary>Answer to <c>GET /checkouts/{id}</c>.</summary>
public sealed record DodoCheckoutStatus(
    string Id,
    DateTimeOffset CreatedAt,
    string? CustomerEmail = null,
    string? CustomerName = null,
    string? PaymentId = null,
    string? PaymentStatus = null);

/// <summary>
/// <c>POST /subscriptions/{id}/change-plan</c>. <see cref="ProrationBillingMode"/> ∈
/// prorated_immediately, full_immediately, difference_immediately, do_not_bill;
/// <see cref="EffectiveAt"/> ∈ immediately, next_billing_date.
/// </summary>
public sealed record DodoChangePlanRequest(string ProductId, int Quantity, string ProrationBillingMode, string? EffectiveAt = null);

/// <summary><c>PATCH /subscriptions/{id}</c> (the fields Tally sets).</summary>
public sealed record DodoSubscriptionPatch(bool? CancelAtNextBillingDate = null);

/// <summary>Answer to <c>POST /customers/{id}/customer-portal/session</c>.</summary>
public sealed record DodoCustomerPortalSession(string Link);

/// <summary>
/// A webhook body: <c>{business_id, type, timestamp, data}</c>; <c>data.payload_type</c> names
/// the object in <c>data</c> (Payment, Subscription, Refund, Dispute, …).
/// </summary>
public sealed record DodoWebhookPayload(string BusinessId, string Type, DateTimeOffset Timestamp, System.Text.Json.JsonElement Data);
