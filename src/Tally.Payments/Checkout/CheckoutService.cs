using Tally.Ledger;
using Tally.Ledger.Commands;
using Tally.Ledger.Outcomes;
using Tally.Payments.Pricing;
using Tally.Payments.Providers;

namespace Tally.Payments.Checkout;

/// <summary>
/// What the buyer chose: exactly one of a package, a plan or a custom number of credits.
/// <paramref name="PaymentId"/> (from <see cref="CheckoutService.NewId"/>) lets a caller name the
/// payment up front, e.g. to put it in <paramref name="ReturnUrl"/>; null makes a new one.
/// </summary>
public sealed record CheckoutOrder(string Account, string? PackageId, string? PlanId, long? CustomCredits, Uri? ReturnUrl, string? PaymentId = null);

/// <summary>An opened checkout: Tally's pending payment, where to send the buyer, and the server's price.</summary>
public sealed record OpenedCheckout(PaymentRecord Payment, Uri CheckoutUrl);

/// <summary>Why a checkout could not be opened (the edge answers 400/404 for these, 502 for the provider).</summary>
public sealed record CheckoutRefusal(string Field, string Reason, bool NotFound = false);

/// <summary>
/// Opens checkouts. The price always comes from the catalog or the price calculator, never from
/// the caller; the account is created like any other mutation would; the pending payment is
/// recorded before the provider is asked, and its id travels in the checkout's metadata
/// (<c>tally_account</c>, <c>tally_payment</c>) so the webhook finds it.
/// </summary>
public sealed class CheckoutService(IPaymentStore store, IPaymentProvider provider, CreditLedger ledger, PaymentSettings settings, TimeProvider time)
{
    public const string AccountKey = "tally_account";
    public const string PaymentKey = "tally_payment";

    public async Task<(OpenedCheckout? Opened, CheckoutRefusal? Refusal)> OpenAsync(CheckoutOrder order, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(order);
        var (line, refusal) = await PriceAsync(order, ct);
        if (refusal is not null)
        {
            return (null, refusal);
        }

        var ensured = await ledger.ExecuteAsync(LedgerRequest.Of(new EnsureAccount(order.Account)), ct);
        if (ensured.Single is Failure failure)
        {
            return (null, new CheckoutRefusal("account", failure is NotFound ? "no such account (TALLY_AUTO_CREATE_ACCOUNTS=false)" : "cannot be used", failure is NotFound));
        }

        var now = time.GetUtcNow();
        var payment = new PaymentRecord(
            order.PaymentId ?? NewId(), order.Account, line!.Kind, order.PackageId, order.PlanId, line.Credits, line.Price, PaymentStatus.Pending, provider.Name,
            null, null, null, 0, 0, 0, null, now, now);
        await store.CreatePaymentAsync(payment, ct);
        try
        {
            var session = await provider.CreateCheckoutAsync(
                new CheckoutRequest(
                    line.ProductId,
                    line.Kind == PaymentKind.Custom ? line.Price.Amount : null,
                    new Dictionary<string, string>(StringComparer.Ordinal) { [AccountKey] = order.Account, [PaymentKey] = payment.Id },
                    order.ReturnUrl,
                    line.Terms),
                ct);
            payment = payment with { CheckoutSessionId = session.SessionId, ProviderPaymentId = session.PaymentId, UpdatedAt = time.GetUtcNow() };
            await store.UpdatePaymentAsync(payment, ct);
            return (new OpenedCheckout(payment, session.CheckoutUrl), null);
        }
        catch
        {
            await store.UpdatePaymentAsync(payment with { Status = PaymentStatus.Cancelled, UpdatedAt = time.GetUtcNow() }, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Tally's payment ids: <c>pay_</c> and 32 hex digits, ordered by creation time (a version 7 UUID).</summary>
    public static string NewId() => "pay_" + Guid.CreateVersion7().ToString("N");

    private sealed record Line(PaymentKind Kind, long Credits, Money Price, string ProductId, ProductTerms Terms);

    private async Task<(Line? Line, CheckoutRefusal? Refusal)> PriceAsync(CheckoutOrder order, CancellationToken ct)
    {
        if (order.PackageId is { } packageId)
        {
            var package = (await store.ReadPackagesAsync(ct)).FirstOrDefault(p => p.Id == packageId && p.Active);
            return package switch
            {
                null => (null, new CheckoutRefusal("packageId", $"no active package '{packageId}'", NotFound: true)),
                { ProviderProductId: null } => (null, new CheckoutRefusal("packageId", $"package '{packageId}' has no dodoProductId yet")),
                _ => (new Line(PaymentKind.Package, package.TotalCredits, package.Price, package.ProviderProductId,
                    new ProductTerms(package.Name, package.Price.Amount, package.Price.Currency, null)), null),
            };
        }

        if (order.PlanId is { } planId)
        {
            var plan = (await store.ReadPlansAsync(ct)).FirstOrDefault(p => p.Id == planId && p.Active);
            return plan switch
            {
                null => (null, new CheckoutRefusal("planId", $"no active plan '{planId}'", NotFound: true)),
                { ProviderProductId: null } => (null, new CheckoutRefusal("planId", $"plan '{planId}' has no dodoProductId yet")),
                _ => (new Line(PaymentKind.Plan, 0, plan.Price, plan.ProviderProductId,
                    new ProductTerms(plan.Name, plan.Price.Amount, plan.Price.Currency, plan.Interval)), null),
            };
        }

        var credits = order.CustomCredits ?? 0;
        if (PriceCalculator.PurchaseProblem(settings.Pricing, credits) is { } problem)
        {
            return (null, new CheckoutRefusal("customCredits", problem));
        }

        var quote = PriceCalculator.Quote(settings.Pricing, credits);
        return (new Line(PaymentKind.Custom, credits, quote.Price, settings.CustomProductId,
            new ProductTerms($"{credits} credits", quote.Price.Amount, quote.Price.Currency, null)), null);
    }
}
