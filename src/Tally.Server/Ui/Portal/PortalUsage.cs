using Tally.Ledger;
using Tally.Ledger.Model;
using Tally.Ledger.Storage;
using Tally.Payments;
using Tally.Server.Http;

namespace Tally.Server.Ui.Portal;

/// <summary>One feature's consumption in a period: how many uses and how many credits (net of reversals).</summary>
public sealed record UsageRow(string Feature, string Unit, int Uses, decimal Credits);

/// <summary>
/// The portal's Usage page (<c>/portal/usage</c>): this period's consumption by feature — the
/// subscription's current period when the account has one, else this calendar month (UTC).
/// </summary>
public static class PortalUsage
{
    /// <summary>At most this many journal pages are read for one period (500 entries each).</summary>
    private const int MaxPages = 40;

    public static void Map(RouteGroupBuilder pages) => pages.MapGet("/usage", PageAsync);

    private static async Task<IResult> PageAsync(HttpContext http, LedgerGateway gateway, IPaymentStore store, CancellationToken ct)
    {
        var account = PortalLinks.AccountOf(http.User);
        var ledger = gateway.Ledger;
        var now = ledger.Now();
        var subscription = await PortalSubscription.CurrentAsync(store, account, ct);
        var (from, to) = subscription is not null
            ? (subscription.PeriodStart, subscription.PeriodEnd)
            : (new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1));
        var (rows, complete) = await ConsumptionAsync(ledger, account, from, to, ct);
        return UiEndpoints.Page<PortalUsagePage>(new
        {
            ReturnUrl = PortalPages.ReturnUrlOf(http),
            Period = subscription is not null ? "this billing period" : "this month",
            From = from,
            To = to,
            Rows = rows,
            Complete = complete,
        });
    }

    /// <summary>
    /// Credits consumed in [<paramref name="from"/>, <paramref name="to"/>) by feature and unit:
    /// charges and captures, less reversals; most used first. <c>Complete</c> is false when the
    /// period had more entries than the page reads.
    /// </summary>
    public static async Task<(IReadOnlyList<UsageRow> Rows, bool Complete)> ConsumptionAsync(CreditLedger ledger, string account, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var totals = new Dictionary<(string Feature, string Unit), (int Uses, decimal Credits)>();
        var query = new EntryQuery(account, EntryCursor.MaxLimit, From: from, To: to);
        for (var i = 0; i < MaxPages; i++)
        {
            var page = await ledger.GetEntriesAsync(query, ct);
            if (page is null)
            {
                break;
            }

            foreach (var entry in page.Entries)
            {
                if (entry.Type is not (EntryType.Charge or EntryType.Capture or EntryType.Reversal))
                {
                    continue;
                }

                var key = (entry.Feature ?? "other", entry.Unit.Key);
                var (uses, credits) = totals.GetValueOrDefault(key);
                totals[key] = (uses + (entry.Type == EntryType.Reversal ? 0 : 1), credits - entry.Unit.ToDecimal(entry.Amount));
            }

            if (page.NextCursor is null || !EntryCursor.TryDecode(page.NextCursor, out var seq))
            {
                return (Rows(totals), true);
            }

            query = query with { BeforeSeq = seq };
        }

        return (Rows(totals), false);
    }

    private static List<UsageRow> Rows(Dictionary<(string Feature, string Unit), (int Uses, decimal Credits)> totals) =>
        [.. totals.Select(t => new UsageRow(t.Key.Feature, t.Key.Unit, t.Value.Uses, t.Value.Credits))
            .OrderByDescending(r => r.Credits).ThenBy(r => r.Feature, StringComparer.Ordinal)];
}
