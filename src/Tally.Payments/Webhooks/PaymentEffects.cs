using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;

namespace Tally.Payments.Webhooks;

/// <summary>
/// A payment's ledger effects, each keyed on the provider's business id through the ledger's own
/// idempotency: the key and the credits it moves commit in one transaction, so a retried,
/// duplicated or reordered webhook finds the key taken and moves nothing again. A refusal is not
/// remembered, so the provider's retry applies the effect once the cause is gone.
/// </summary>
public sealed class PaymentEffects(CreditLedger ledger, PaymentSettings settings)
{
    /// <summary>The reference a purchase's lot carries: its clawbacks take from it first.</summary>
    public static string LotReference(string provider, string providerPaymentId) => $"{provider}:{providerPaymentId}";

    /// <summary>The ledger idempotency key of an effect: durable, so it is never forgotten, however late the provider retries.</summary>
    public static string Key(string provider, string businessId, string effect) => $"{RequestIdempotency.DurablePrefix}payment:{provider}:{businessId}:{effect}";

    /// <summary>Credits a refunded or disputed <paramref name="amount"/> of <paramref name="payment"/> claws back: credits × amount ÷ paid, rounded down.</summary>
    public static long Proportion(PaymentRecord payment, long amount)
    {
        ArgumentNullException.ThrowIfNull(payment);
        if (payment.Price.Amount <= 0 || amount <= 0)
        {
            return 0;
        }

        return (long)((Int128)payment.Credits * Math.Min(amount, payment.Price.Amount) / payment.Price.Amount);
    }

    /// <summary>Grants a purchase's credits once per provider payment id.</summary>
    public async Task GrantAsync(PaymentRecord payment, string providerPaymentId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(payment);
        var grant = new Grant(
            payment.Account,
            new Credits(payment.Credits),
            Source: LotSource.Purchase,
            Reference: LotReference(payment.Provider, providerPaymentId),
            Description: payment.PackageId is { } package ? $"Package {package}" : $"{payment.Credits} credits");
        await RunAsync(Key(payment.Provider, providerPaymentId, "grant"), payment.Provider, [grant], ct);
    }

    /// <summary>Takes back <paramref name="credits"/> of a payment under the configured policy; returns (recovered, unrecovered).</summary>
    public async Task<(long Recovered, long Unrecovered)> ClawBackAsync(PaymentRecord payment, string key, long credits, string reason, string reference, bool unfreezeFirst, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(payment);
        var commands = new List<LedgerCommand>();
        if (unfreezeFirst)
        {
            commands.Add(new SetFrozen(payment.Account, false, reason));
        }

        if (credits > 0)
        {
            commands.Add(new Clawback(
                payment.Account,
                new Credits(credits),
                LotReference: payment.ProviderPaymentId is { } id ? LotReference(payment.Provider, id) : null,
                Policy: settings.ClawbackPolicy,
                FreezeOnDebt: settings.AutoFreezeOnDebt,
                Reason: reason,
                Reference: reference));
        }

        if (commands.Count == 0)
        {
            return (0, 0);
        }

        var outcome = await RunAsync(key, payment.Provider, commands, ct);
        return outcome.Results.OfType<ClawbackResult>().FirstOrDefault() is { } result
            ? (result.Recovered.Minor, result.Unrecovered.Minor)
            : (0, 0);
    }

    /// <summary>Freezes or unfreezes the payment's account once per key.</summary>
    public Task SetFrozenAsync(PaymentRecord payment, string key, bool frozen, string reason, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(payment);
        return RunAsync(key, payment.Provider, [new SetFrozen(payment.Account, frozen, reason)], ct);
    }

    /// <summary>Runs commands atomically under a business-id key; a refusal is not remembered and throws <see cref="PaymentEffectRefusedException"/>.</summary>
    public async Task<RequestOutcome> RunAsync(string key, string provider, IReadOnlyList<LedgerCommand> commands, CancellationToken ct)
    {
        var request = new LedgerRequest(commands, BatchMode.Atomic, RequestIdempotency.For(key, commands), $"payments:{provider}") { RememberRefusals = false };
        var outcome = await ledger.ExecuteAsync(request, ct);
        var refused = outcome.Results.FirstOrDefault(r => r is Failure and not IdempotencyConflict);
        if (refused is not null)
        {
            throw new PaymentEffectRefusedException($"the ledger refused {key}: {refused}");
        }

        return outcome;
    }
}
