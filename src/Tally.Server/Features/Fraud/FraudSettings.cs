namespace Tally.Server.Features.Fraud;

/// <summary>
/// The fraud detector's settings (docs/fraud.md): velocity is credits consumed (charges and
/// captures) within <paramref name="Window"/> (CREDIT_RATE_LIMIT_WINDOW) above
/// <paramref name="Threshold"/> whole units of any one unit; payments flag at
/// <paramref name="FailedPayments"/> failed payments within 24 h, <paramref name="Refunds"/>
/// refunds within 30 days, and any dispute.
/// </summary>
public sealed record FraudSettings(
    bool Enabled,
    long Threshold,
    TimeSpan Window,
    bool AutoFreeze,
    int FailedPayments,
    int Refunds,
    TimeSpan ScanGap,
    TimeSpan PaymentScanInterval)
{
    public static readonly TimeSpan FailedPaymentsWindow = TimeSpan.FromHours(24);
    public static readonly TimeSpan RefundsWindow = TimeSpan.FromDays(30);

    /// <summary>Disputes count within this (the longest payment window).</summary>
    public static readonly TimeSpan DisputesWindow = RefundsWindow;

    /// <summary>Who the detector's freezes are attributed to in the journal.</summary>
    public const string Actor = "system:fraud";

    /// <summary>Ids kept as evidence on a flag (the newest).</summary>
    public const int EvidenceIds = 20;
}
