using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Model;
using Tally.Ledger.Storage;
using Tally.Payments;
using Tally.Payments.Webhooks;
using Tally.Server.Features.Payments;

namespace Tally.Server.Ui.Admin;

/// <summary>One lot as the account page shows it: its unit, and whether it has expired by now.</summary>
public sealed record LotLine(LotRow Lot, UnitInfo Unit, bool Expired);

/// <summary>One journal entry and the lots that paid for it (lineage; empty for credits in).</summary>
public sealed record EntryLine(EntryView Entry, IReadOnlyList<PaidBy> PaidBy);

/// <summary>A moment in the account's subscription history.</summary>
public sealed record TimelineItem(DateTimeOffset At, string Text);

/// <summary>Everything the account page shows, loaded by <see cref="AccountDetail.LoadAsync"/>.</summary>
public sealed record AccountDetailModel(
    AccountView Account,
    IReadOnlyList<LotLine> Lots,
    IReadOnlyList<HoldView> Holds,
    IReadOnlyList<EntryLine> Journal,
    string? OlderEntries,
    IReadOnlyList<PaymentRecord> Payments,
    bool MorePayments,
    IReadOnlyList<SubscriptionDto> Subscriptions,
    IReadOnlyList<TimelineItem> Timeline,
    IReadOnlyList<UnitInfo> Units);

/// <summary>Loads an account's page from the same stores the API reads (/v1/accounts, /v1/payments?account=, /v1/subscriptions?account=).</summary>
public static class AccountDetail
{
    /// <summary>Journal lines on the account page; the journal page shows more.</summary>
    public const int JournalOnPage = 20;

    public const int JournalPageSize = 50;

    public const int LotsShown = 100;

    public const int PaymentsShown = 25;

    /// <summary>The ledger's store as the admin panel's account reader (both stores implement it).</summary>
    public static IAccountDirectory Directory(CreditLedger ledger) =>
        ledger?.Store as IAccountDirectory ?? throw new InvalidOperationException("the ledger store does not implement IAccountDirectory");

    /// <summary>The account page's data, or null when there is no such account.</summary>
    public static async Task<AccountDetailModel?> LoadAsync(string id, CreditLedger ledger, IPaymentStore payments, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(payments);
        var account = await ledger.GetAccountAsync(id, ct);
        if (account is null)
        {
            return null;
        }

        var units = await ledger.GetUnitsAsync(ct);
        var now = ledger.Now();
        var lots = (await Directory(ledger).ReadLotsAsync(id, LotsShown, ct))
            .Select(l => new LotLine(l, Unit(units, l.Unit), l.IsExpiredAt(now)))
            .ToList();
        var holds = await ledger.GetHoldsAsync(id, null, ct) ?? [];
        var (journal, older) = await JournalAsync(id, null, JournalOnPage, ledger, ct);
        var paymentRows = await payments.ListPaymentsAsync(id, null, PaymentsShown + 1, ct);
        var subscriptions = new List<SubscriptionDto>();
        var records = await payments.ListSubscriptionsAsync(id, 50, ct);
        foreach (var s in records)
        {
            var totals = await payments.ReadLotTotalsAsync(s.Account, SubscriptionHandler.PeriodReference(s.Provider, s.ProviderSubscriptionId, s.PeriodStart), ct);
            subscriptions.Add(new SubscriptionDto(s.ProviderSubscriptionId, s.Account, s.PlanId, Ledger.Relational.PaymentRecordSql.Name(s.Status),
                s.PeriodStart, s.PeriodEnd, s.CancelAtPeriodEnd, totals.Granted, Math.Max(0, totals.Granted - totals.Left)));
        }

        return new AccountDetailModel(
            account, lots, holds, journal, older,
            paymentRows.Take(PaymentsShown).ToList(), paymentRows.Count > PaymentsShown,
            subscriptions, Timeline(records, paymentRows), units);
    }

    /// <summary>A page of the journal (newest first, before the cursor) with each entry's lineage.</summary>
    public static async Task<(IReadOnlyList<EntryLine> Lines, string? Older)> JournalAsync(string id, string? before, int limit, CreditLedger ledger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        long? beforeSeq = EntryCursor.TryDecode(before, out var seq) ? seq : null;
        var page = await ledger.GetEntriesAsync(new EntryQuery(id, limit, BeforeSeq: beforeSeq), ct);
        if (page is null)
        {
            return ([], null);
        }

        var debits = page.Entries.Where(e => e.Amount.IsNegative).Select(e => e.Id).ToList();
        var lineage = (await Directory(ledger).ReadLineageAsync(debits, ct)).ToLookup(l => l.EntryId);
        return (page.Entries.Select(e => new EntryLine(e, lineage[e.Id].Select(l => l.PaidBy).ToList())).ToList(), page.NextCursor);
    }

    public static UnitInfo Unit(IReadOnlyList<UnitInfo> units, string key) =>
        units.FirstOrDefault(u => u.Key == key) ?? new UnitInfo(key, 0);

    /// <summary>Subscriptions' starts, periods, cancellations and the plan payments, newest first.</summary>
    private static List<TimelineItem> Timeline(IReadOnlyList<SubscriptionRecord> subscriptions, IReadOnlyList<PaymentRecord> payments)
    {
        var items = new List<TimelineItem>();
        foreach (var s in subscriptions)
        {
            var status = Ledger.Relational.PaymentRecordSql.Name(s.Status);
            items.Add(new TimelineItem(s.CreatedAt, $"Subscribed to {s.PlanId} ({s.ProviderSubscriptionId})"));
            items.Add(new TimelineItem(s.PeriodStart, $"Period of {s.PlanId} began, until {AccountFormat.Time(s.PeriodEnd)}"));
            if (s.UpdatedAt != s.CreatedAt)
            {
                items.Add(new TimelineItem(s.UpdatedAt, $"Subscription {s.ProviderSubscriptionId} is {status}" + (s.CancelAtPeriodEnd ? ", cancelling at the period's end" : "")));
            }
        }

        foreach (var p in payments.Where(p => p.Kind == PaymentKind.Plan))
        {
            items.Add(new TimelineItem(p.CreatedAt, $"Payment {p.Id} for {p.PlanId}: {AccountFormat.Money(p.Price)}, {Ledger.Relational.PaymentRecordSql.Name(p.Status)}"));
        }

        return [.. items.OrderByDescending(i => i.At)];
    }
}
