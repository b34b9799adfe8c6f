using System.Text.Json;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Fraud;
using Tally.Ledger.Model;
using Tally.Ledger.Relational;
using Tally.Ledger.Storage;
using Tally.Ledger.Webhooks;
using Tally.Payments;
using Tally.Server.Contracts;
using Tally.Server.Features.Fraud;
using Tally.Server.Features.Payments;
using Tally.Server.Http;

namespace Tally.Server.Features.Webhooks;

/// <summary>
/// Turns outbox rows into events (docs/webhooks.md, "Events"). Each entry makes one event by its
/// type and sign: <c>expire</c> → <c>credit.expired</c>; any other entry with a positive amount
/// (grant, refund, reversal, positive adjustment, transfer in) → <c>credit.added</c>;
/// negative (charge, capture, clawback, negative adjustment, transfer out) →
/// <c>credit.deducted</c>; an entry of zero makes none. An entry with a negative amount that takes
/// its unit's balance from at or above the account's threshold to below it (before = balanceAfter
/// − amount, both exact from the journal) also makes <c>credit.balance_low</c> — so once per
/// downward crossing, however the entries are batched. <c>balance</c> is the unit's balance when
/// the relay prepares the event (the entry carries its exact <c>balanceAfter</c>). Only types some
/// endpoint receives are rendered.
/// </summary>
public sealed class EventRenderer(IWebhookStore store, CreditLedger ledger, IPaymentStore payments, IFraudStore fraud, WebhookSettings settings)
{
    /// <summary>Accounts read in one round trip while rendering a batch.</summary>
    private const int AccountsPerRead = 500;

    public async Task<IReadOnlyList<OutboundEvent>> RenderAsync(IReadOnlyList<OutboxRow> rows, IReadOnlyList<WebhookEndpointRecord> endpoints, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(endpoints);
        bool Wanted(string type) => endpoints.Any(e => e.Accepts(type));
        var accounts = new Dictionary<string, AccountView?>(StringComparer.Ordinal);
        Task<AccountView?> AccountAsync(string id) =>
            accounts.TryGetValue(id, out var view) ? Task.FromResult(view) : LoadAsync(id);
        async Task<AccountView?> LoadAsync(string id) => accounts[id] = await ledger.GetAccountAsync(id, ct);

        var entries = new List<EntryRow>();
        var entryIds = rows.SelectMany(r => r.Facts.Entries).ToList();
        if (entryIds.Count > 0 && (Wanted(WebhookEventTypes.CreditAdded) || Wanted(WebhookEventTypes.CreditDeducted)
            || Wanted(WebhookEventTypes.CreditExpired) || Wanted(WebhookEventTypes.BalanceLow)))
        {
            entries = (await store.ReadEntriesByIdAsync(entryIds, ct)).OrderBy(e => e.CreatedAt).ThenBy(e => e.AccountExternalId, StringComparer.Ordinal).ThenBy(e => e.Seq)
                .Where(e => (TypeOf(e) is { } type && Wanted(type)) || (e.Amount.Minor < 0 && Wanted(WebhookEventTypes.BalanceLow)))
                .ToList();
        }

        // Balances as of now, read once per account and many accounts per round trip: a batch of
        // random accounts' charges names hundreds of them.
        var named = entries.Select(e => e.AccountExternalId).Concat(Wanted(WebhookEventTypes.HoldExpired) ? rows.SelectMany(r => r.Facts.ExpiredHoldAccounts) : []).Distinct(StringComparer.Ordinal).ToList();
        foreach (var chunk in named.Chunk(AccountsPerRead))
        {
            foreach (var row in await store.ReadAccountsAsync(chunk, ct))
            {
                accounts[row.ExternalId] = (await ledger.ReadAsync(row, ct)).View;
            }
        }

        var events = new List<OutboundEvent>();
        foreach (var entry in entries)
        {
            var type = TypeOf(entry);
            var low = entry.Amount.Minor < 0 && Wanted(WebhookEventTypes.BalanceLow);
            if (!(type is not null && Wanted(type)) && !low)
            {
                continue;
            }

            var account = await AccountAsync(entry.AccountExternalId);
            var unit = await ledger.FindUnitAsync(entry.Unit, ct) ?? new UnitInfo(entry.Unit, 0);
            var dto = EntryDto.From(View(entry, unit));
            var balance = Balance(account, unit);
            if (type is not null && Wanted(type))
            {
                events.Add(Event(EventIds.OfEntry(entry.Id), type, entry.CreatedAt, new WebhookEnvelope<CreditEventData>(type, entry.CreatedAt, new CreditEventData(entry.AccountExternalId, dto, balance))));
            }

            if (low && unit.FromWhole(account?.LowBalanceThreshold ?? settings.LowBalanceThreshold) is var threshold
                && (entry.BalanceAfter - entry.Amount).Minor >= threshold.Minor && entry.BalanceAfter.Minor < threshold.Minor)
            {
                events.Add(Event(EventIds.Of(WebhookEventTypes.BalanceLow, entry.Id.ToString("N")), WebhookEventTypes.BalanceLow, entry.CreatedAt,
                    new WebhookEnvelope<BalanceLowEventData>(WebhookEventTypes.BalanceLow, entry.CreatedAt,
                        new BalanceLowEventData(entry.AccountExternalId, dto, balance, unit.ToDecimal(threshold)))));
            }
        }

        foreach (var row in rows)
        {
            if (Wanted(WebhookEventTypes.HoldExpired))
            {
                for (var i = 0; i < row.Facts.ExpiredHolds.Count; i++)
                {
                    var account = row.Facts.ExpiredHoldAccounts[i];
                    if ((await ledger.GetHoldsAsync(account, null, ct))?.FirstOrDefault(h => h.Id == row.Facts.ExpiredHolds[i]) is { } hold)
                    {
                        events.Add(Event(EventIds.Of(WebhookEventTypes.HoldExpired, hold.Id.ToString("N")), WebhookEventTypes.HoldExpired, row.CreatedAt,
                            new WebhookEnvelope<HoldExpiredEventData>(WebhookEventTypes.HoldExpired, row.CreatedAt,
                                new HoldExpiredEventData(account, HoldDto.From(hold), Balance(await AccountAsync(account), hold.Unit)))));
                    }
                }
            }

            if (Wanted(WebhookEventTypes.AccountFrozen))
            {
                for (var i = 0; i < row.Facts.FrozenAccounts.Count; i++)
                {
                    var (account, seq) = (row.Facts.FrozenAccounts[i], row.Facts.FrozenSeqs[i]);
                    events.Add(Event(EventIds.Of(WebhookEventTypes.AccountFrozen, $"{account}\n{seq}"), WebhookEventTypes.AccountFrozen, row.CreatedAt,
                        new WebhookEnvelope<AccountFrozenEventData>(WebhookEventTypes.AccountFrozen, row.CreatedAt, new AccountFrozenEventData(account, seq, true))));
                }
            }

            if (row is { EventType: { } eventType, Subject: { } subject } && Wanted(eventType) && await PaymentEventAsync(eventType, subject, row.CreatedAt, ct) is { } rendered)
            {
                events.Add(rendered);
            }
        }

        return events;
    }

    /// <summary>The event type of an entry, or null for an entry of zero.</summary>
    public static string? TypeOf(EntryRow entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Type == EntryType.Expire ? WebhookEventTypes.CreditExpired
            : entry.Amount.Minor > 0 ? WebhookEventTypes.CreditAdded
            : entry.Amount.Minor < 0 ? WebhookEventTypes.CreditDeducted
            : null;
    }

    private async Task<OutboundEvent?> PaymentEventAsync(string type, string subject, DateTimeOffset at, CancellationToken ct)
    {
        using var json = JsonDocument.Parse(subject);
        var s = json.RootElement;
        var id = EventIds.Of(type, subject);
        switch (type)
        {
            case PaymentEventRules.PaymentSucceeded when await payments.FindPaymentAsync(s.GetProperty("payment").GetString()!, ct) is { } payment:
                return Event(id, type, at, new WebhookEnvelope<PaymentEventData>(type, at, new PaymentEventData(payment.Account, PaymentDto.From(payment))));
            case PaymentEventRules.PaymentRefunded when await payments.FindPaymentAsync(s.GetProperty("payment").GetString()!, ct) is { } payment:
                return Event(id, type, at, new WebhookEnvelope<RefundEventData>(type, at,
                    new RefundEventData(payment.Account, PaymentDto.From(payment), s.GetProperty("amount").GetInt64(), s.GetProperty("credits").GetInt64())));
            case PaymentEventRules.SubscriptionActivated or PaymentEventRules.SubscriptionRenewed or PaymentEventRules.SubscriptionCancelled
                when await payments.FindSubscriptionAsync(s.GetProperty("provider").GetString()!, s.GetProperty("subscription").GetString()!, ct) is { } sub:
                return Event(id, type, at, new WebhookEnvelope<SubscriptionEventData>(type, at,
                    new SubscriptionEventData(sub.Account, sub.ProviderSubscriptionId, sub.PlanId, PaymentRecordSql.Name(sub.Status), sub.PeriodStart, sub.PeriodEnd, sub.CancelAtPeriodEnd)));
            case FraudFlag.FlaggedEvent when await fraud.FindFlagAsync(s.GetProperty("flag").GetString()!, ct) is { } flag:
                return Event(id, type, at, new WebhookEnvelope<FraudFlaggedEventData>(type, at, new FraudFlaggedEventData(flag.Account, FraudFlagDto.From(flag))));
            default:
                return null;
        }
    }

    private static OutboundEvent Event<T>(string id, string type, DateTimeOffset at, WebhookEnvelope<T> envelope) =>
        new(id, type, JsonSerializer.Serialize(envelope, TallyJson.Options), at);

    private static BalanceDto Balance(AccountView? account, UnitInfo unit) =>
        account?.Balances.FirstOrDefault(b => b.Unit.Key == unit.Key) is { } view
            ? BalanceDto.From(view)
            : new BalanceDto(unit.Key, 0, 0, 0, null);

    private static EntryView View(EntryRow e, UnitInfo unit) => new(
        e.Id, e.AccountExternalId, e.Seq, e.Type, unit, e.Amount, e.BalanceAfter, e.Feature, e.Quantity, e.Description, e.Reference,
        e.Metadata, e.Actor, e.HoldId, e.LotId, e.ReversesEntryId, e.CreatedAt);
}
