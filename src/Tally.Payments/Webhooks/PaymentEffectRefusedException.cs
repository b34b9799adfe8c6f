namespace Tally.Payments.Webhooks;

/// <summary>
/// The ledger refused a payment's effect (a grant above the maximum balance, an account that may
/// not be created). Nothing was claimed: the webhook is answered 5xx and the provider's retry
/// applies it once the cause is gone.
/// </summary>
public sealed class PaymentEffectRefusedException : Exception
{
    public PaymentEffectRefusedException()
    {
    }

    public PaymentEffectRefusedException(string message)
        : base(message)
    {
    }

    public PaymentEffectRefusedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
