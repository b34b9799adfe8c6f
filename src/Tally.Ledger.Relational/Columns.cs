using System.Data.Common;
using System.Text.Json;
using Tally.Ledger.Amounts;
using Tally.Ledger.Model;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Relational;

/// <summary>
/// Column lists both stores select, in this order, and the readers that turn them into rows.
/// Only timestamps differ between the engines (PostgreSQL timestamptz, SQLite integer
/// microseconds), so each store passes its own <see cref="ReadTime"/>.
/// </summary>
public static class Columns
{
    public const string Account = "id, external_id, tier, frozen, overdraft_limit, low_balance_threshold, metadata, created_at, updated_at, seq";
    public const string Balance = "account_id, unit, balance, debt";
    public const string Lot = "id, account_id, unit, source, amount, remaining, priority, effective_at, expires_at, features, reference, entry_id, created_at, paid";
    public const string Hold = "id, account_id, unit, amount, unbacked, captured, status, feature, description, expires_at, created_at, updated_at";
    public const string Pin = "hold_id, lot_id, amount"; // ORDER BY ordinal: the burn order of the reserve
    public const string Entry = "e.id, e.account_id, a.external_id, e.seq, e.type, e.unit, e.amount, e.balance_after, e.feature, e.quantity, e.description, e.reference, e.metadata, e.actor, e.hold_id, e.lot_id, e.reverses_entry_id, e.transfer_id, e.idempotency_key, e.created_at, e.rules";
    public const string Idempotency = "idempotency_key, fingerprint, outcome, response_status, response_body, created_at";
    public const string Feature = "feature_key, cost_micros, unit, description, active";
    public const string RuleUsage = "account_id, rule_key, period, used";

    /// <summary>Lineage of entries: entry id, amount, and the paying lot's <see cref="Lot"/> columns (lots aliased <c>l</c>).</summary>
    public const string PaidBy = "b.entry_id, b.amount, l.id, l.account_id, l.unit, l.source, l.amount, l.remaining, l.priority, l.effective_at, l.expires_at, l.features, l.reference, l.entry_id, l.created_at, l.paid";
}

/// <summary>Reads a timestamp column as the store keeps it.</summary>
public delegate DateTimeOffset ReadTime(DbDataReader reader, int ordinal);

/// <summary>Maps rows selected with <see cref="Columns"/> lists.</summary>
public static class RowReaders
{
    public static AccountRow Account(DbDataReader r, ReadTime time) => new()
    {
        Id = r.GetGuid(0),
        ExternalId = r.GetString(1),
        Tier = r.GetString(2),
        Frozen = r.GetBoolean(3),
        OverdraftLimit = r.GetInt64(4),
        LowBalanceThreshold = r.IsDBNull(5) ? null : r.GetInt64(5),
        Metadata = r.GetString(6),
        CreatedAt = time(r, 7),
        UpdatedAt = time(r, 8),
        Seq = r.GetInt64(9),
    };

    public static BalanceRow Balance(DbDataReader r) => new()
    {
        AccountId = r.GetGuid(0),
        Unit = r.GetString(1),
        Balance = new Credits(r.GetInt64(2)),
        Debt = new Credits(r.GetInt64(3)),
    };

    /// <param name="r">The reader.</param>
    /// <param name="time">How the store keeps timestamps.</param>
    /// <param name="at">Ordinal of the first lot column (after any columns selected before them).</param>
    public static LotRow Lot(DbDataReader r, ReadTime time, int at = 0) => new()
    {
        Id = r.GetGuid(at),
        AccountId = r.GetGuid(at + 1),
        Unit = r.GetString(at + 2),
        Source = Names.LotSourceOf(r.GetString(at + 3)),
        Amount = new Credits(r.GetInt64(at + 4)),
        Remaining = new Credits(r.GetInt64(at + 5)),
        Priority = r.GetInt32(at + 6),
        EffectiveAt = time(r, at + 7),
        ExpiresAt = r.IsDBNull(at + 8) ? null : time(r, at + 8),
        Features = r.IsDBNull(at + 9) ? null : DecodeFeatures(r.GetString(at + 9)),
        Reference = r.IsDBNull(at + 10) ? null : r.GetString(at + 10),
        EntryId = r.IsDBNull(at + 11) ? null : r.GetGuid(at + 11),
        CreatedAt = time(r, at + 12),
        Paid = r.GetBoolean(at + 13),
    };

    /// <summary>A lineage row: entry id, amount, then the lot's columns (<see cref="Columns.Lot"/>).</summary>
    public static PaidBy PaidBy(DbDataReader r, ReadTime time) => new(Lot(r, time, at: 2), new Credits(r.GetInt64(1)));

    public static HoldRow Hold(DbDataReader r, ReadTime time) => new()
    {
        Id = r.GetGuid(0),
        AccountId = r.GetGuid(1),
        Unit = r.GetString(2),
        Amount = new Credits(r.GetInt64(3)),
        Unbacked = new Credits(r.GetInt64(4)),
        Captured = new Credits(r.GetInt64(5)),
        Status = Names.HoldStatusOf(r.GetString(6)),
        Feature = r.IsDBNull(7) ? null : r.GetString(7),
        Description = r.IsDBNull(8) ? null : r.GetString(8),
        ExpiresAt = time(r, 9),
        CreatedAt = time(r, 10),
        UpdatedAt = time(r, 11),
    };

    public static PinRow Pin(DbDataReader r) => new(r.GetGuid(0), r.GetGuid(1), new Credits(r.GetInt64(2)));

    public static EntryRow Entry(DbDataReader r, ReadTime time) => new()
    {
        Id = r.GetGuid(0),
        AccountId = r.GetGuid(1),
        AccountExternalId = r.GetString(2),
        Seq = r.GetInt64(3),
        Type = Names.EntryTypeOf(r.GetString(4)),
        Unit = r.GetString(5),
        Amount = new Credits(r.GetInt64(6)),
        BalanceAfter = new Credits(r.GetInt64(7)),
        Feature = r.IsDBNull(8) ? null : r.GetString(8),
        Quantity = r.IsDBNull(9) ? null : new Micros(r.GetInt64(9)),
        Description = r.IsDBNull(10) ? null : r.GetString(10),
        Reference = r.IsDBNull(11) ? null : r.GetString(11),
        Metadata = r.GetString(12),
        Actor = r.GetString(13),
        HoldId = r.IsDBNull(14) ? null : r.GetGuid(14),
        LotId = r.IsDBNull(15) ? null : r.GetGuid(15),
        ReversesEntryId = r.IsDBNull(16) ? null : r.GetGuid(16),
        TransferId = r.IsDBNull(17) ? null : r.GetGuid(17),
        IdempotencyKey = r.IsDBNull(18) ? null : r.GetString(18),
        CreatedAt = time(r, 19),
        Rules = r.IsDBNull(20) ? null : r.GetString(20),
    };

    public static IdempotencyRow Idempotency(DbDataReader r, ReadTime time) => new(
        r.GetString(0),
        (byte[])r.GetValue(1),
        r.GetString(2),
        r.IsDBNull(3) ? null : r.GetInt32(3),
        r.IsDBNull(4) ? null : (byte[])r.GetValue(4),
        time(r, 5));

    public static RuleUsageRow RuleUsage(DbDataReader r) => new()
    {
        AccountId = r.GetGuid(0),
        Key = r.GetString(1),
        Period = r.GetInt64(2),
        Used = r.GetInt64(3),
    };

    public static FeatureInfo Feature(DbDataReader r) => new(
        r.GetString(0),
        new Micros(r.GetInt64(1)),
        r.GetString(2),
        r.IsDBNull(3) ? null : r.GetString(3),
        r.GetBoolean(4));

    /// <summary>Feature scopes are stored as a JSON array of keys (NULL = unscoped).</summary>
    public static string? EncodeFeatures(IReadOnlyList<string>? features) =>
        features is null ? null : JsonSerializer.Serialize(features);

    public static IReadOnlyList<string> DecodeFeatures(string json) =>
        JsonSerializer.Deserialize<string[]>(json) ?? [];
}
