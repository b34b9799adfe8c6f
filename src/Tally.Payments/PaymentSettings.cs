using Tally.Ledger.Commands;
using Tally.Payments.Pricing;

namespace Tally.Payments;

/// <summary>
/// How payments turn into credits: the price list, what a refund or lost dispute does when the
/// credits are already spent (CREDIT_CLAWBACK_POLICY, CREDIT_AUTO_FREEZE_ON_DEBT), whether an
/// opened dispute freezes the account, and the provider product used for custom amounts.
/// </summary>
public sealed record PaymentSettings(
    PricingSettings Pricing,
    ClawbackPolicy ClawbackPolicy = ClawbackPolicy.Clamp,
    bool AutoFreezeOnDebt = false,
    bool FreezeOnDispute = true,
    string CustomProductId = PaymentSettings.DefaultCustomProductId)
{
    /// <summary>The pay-what-you-want product the sandbox offers for custom credit amounts.</summary>
    public const string DefaultCustomProductId = "prod_tally_custom_credits";
}
