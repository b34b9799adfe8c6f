using System.Text.Json;
using Tally.Ledger.Model;

namespace Tally.Server.Contracts;

/// <summary>Soonest expiry: when, and how much expires then.</summary>
public sealed record NextExpiryDto(DateTimeOffset At, decimal Amount);

/// <summary>One unit's balance (docs/api.md, "Balance").</summary>
public sealed record BalanceDto(string Unit, decimal Available, decimal Held, decimal Total, NextExpiryDto? NextExpiry)
{
    public static BalanceDto From(BalanceView b) => new(
        b.Unit.Key,
        b.Unit.ToDecimal(b.Available),
        b.Unit.ToDecimal(b.Held),
        b.Unit.ToDecimal(b.Total),
        b.NextExpiry is { } next ? new NextExpiryDto(next.At, b.Unit.ToDecimal(next.Amount)) : null);
}

/// <summary>docs/api.md, "Account".</summary>
public sealed record AccountDto(
    string Id,
    string Tier,
    bool Frozen,
    long OverdraftLimit,
    long? LowBalanceThreshold,
    JsonElement Metadata,
    DateTimeOffset CreatedAt,
    IReadOnlyList<BalanceDto> Balances,
    long Seq)
{
    public static AccountDto From(AccountView a) => new(
        a.Id, a.Tier, a.Frozen, a.OverdraftLimit, a.LowBalanceThreshold, MetadataJson.Parse(a.Metadata), a.CreatedAt,
        a.Balances.Select(BalanceDto.From).ToList(), a.Seq);
}

/// <summary>GET /v1/accounts/{id}/balance.</summary>
public sealed record BalanceResponse(string Account, bool Frozen, long Seq, IReadOnlyList<BalanceDto> Balances)
{
    public static BalanceResponse From(AccountView a) => new(a.Id, a.Frozen, a.Seq, a.Balances.Select(BalanceDto.From).ToList());
}

/// <summary>docs/api.md, "Entry".</summary>
public sealed record EntryDto(
    string Id,
    string Account,
    long Seq,
    string Type,
    string Unit,
    decimal Amount,
    decimal BalanceAfter,
    string? Feature,
    decimal? Quantity,
    string? Description,
    string? Reference,
    JsonElement Metadata,
    string Actor,
    string? HoldId,
    string? LotId,
    string? ReversesEntryId,
    IReadOnlyList<AppliedRuleDto> Rules,
    DateTimeOffset CreatedAt)
{
    public static EntryDto From(EntryView e) => new(
        LedgerIds.Entry(e.Id),
        e.Account,
        e.Seq,
        Names.Of(e.Type),
        e.Unit.Key,
        e.Unit.ToDecimal(e.Amount),
        e.Unit.ToDecimal(e.BalanceAfter),
        e.Feature,
        e.Quantity?.ToDecimal(),
        e.Description,
        e.Reference,
        MetadataJson.Parse(e.Metadata),
        e.Actor,
        e.HoldId is { } hold ? LedgerIds.Hold(hold) : null,
        e.LotId is { } lot ? LedgerIds.Lot(lot) : null,
        e.ReversesEntryId is { } reversed ? LedgerIds.Entry(reversed) : null,
        e.RulesJson is null ? [] : e.Rules.Select(r => AppliedRuleDto.From(r, e.Unit)).ToList(),
        e.CreatedAt);
}

/// <summary>A rule that changed an entry's amount (docs/rules.md): what the amount was before it and after it, unsigned.</summary>
public sealed record AppliedRuleDto(string Rule, string Kind, decimal AmountBefore, decimal AmountAfter)
{
    public static AppliedRuleDto From(Tally.Ledger.Rules.AppliedRule r, Tally.Ledger.Amounts.UnitInfo unit) =>
        new(r.Rule, r.Kind, unit.ToDecimal(r.AmountBefore), unit.ToDecimal(r.AmountAfter));
}

/// <summary>docs/api.md, "Hold".</summary>
public sealed record HoldDto(
    string Id,
    string Account,
    string Unit,
    decimal Amount,
    decimal Captured,
    string Status,
    string? Feature,
    string? Description,
    DateTimeOffset ExpiresAt,
    DateTimeOffset CreatedAt)
{
    public static HoldDto From(HoldView h) => new(
        LedgerIds.Hold(h.Id), h.Account, h.Unit.Key, h.Unit.ToDecimal(h.Amount), h.Unit.ToDecimal(h.Captured),
        Names.Of(h.Status), h.Feature, h.Description, h.ExpiresAt, h.CreatedAt);
}

/// <summary>docs/api.md, "Mutation result": grants, charges, reversals, adjustments.</summary>
public sealed record MutationResponse(EntryDto? Entry, BalanceDto Balance);

/// <summary>Capture and release answers.</summary>
public sealed record HoldMutationResponse(HoldDto Hold, EntryDto? Entry, BalanceDto Balance);

public sealed record TransferResponse(EntryDto Debit, EntryDto Credit);

/// <summary>An advisory check: <c>required</c> is the price after the rules listed in <c>rules</c> (as they would apply now).</summary>
public sealed record ChargeCheckResponse(bool Allowed, decimal Available, decimal Required, IReadOnlyList<AppliedRuleDto> Rules);

public sealed record EntryListResponse(IReadOnlyList<EntryDto> Data, string? NextCursor);

/// <summary>Every list answers <c>{ "data": [...] }</c>.</summary>
public sealed record ListResponse<T>(IReadOnlyList<T> Data);

/// <summary>
/// The data of a live stream's <c>balance.updated</c> event (docs/api.md, "Server-Sent Events"):
/// the account's balances now, and the entry that the event reports (null for a snapshot).
/// </summary>
public sealed record BalanceEventDto(string Account, long Seq, bool Frozen, IReadOnlyList<BalanceDto> Balances, EntryDto? Entry);
