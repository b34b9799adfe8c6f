namespace Tally.Ledger.Model;

/// <summary>What a journal entry did. The wire names are the lower-case snake forms (<see cref="Names"/>).</summary>
public enum EntryType
{
    Grant,
    Charge,
    Capture,
    Release,
    Expire,
    Refund,
    Reversal,
    Adjust,
    TransferIn,
    TransferOut,
    Clawback,
}

/// <summary>Where a lot's credits came from.</summary>
public enum LotSource
{
    Signup,
    Purchase,
    Subscription,
    Promo,
    Admin,
    Refund,
    Transfer,
    Import,
}

/// <summary>The life of a hold: active until captured, released or past its TTL.</summary>
public enum HoldStatus
{
    Active,
    Captured,
    Released,
    Expired,
}

/// <summary>Stable wire and database names of the ledger's enums.</summary>
public static class Names
{
    private static readonly Dictionary<string, EntryType> EntryTypes = Enum.GetValues<EntryType>().ToDictionary(Of);
    private static readonly Dictionary<string, LotSource> LotSources = Enum.GetValues<LotSource>().ToDictionary(Of);
    private static readonly Dictionary<string, HoldStatus> HoldStatuses = Enum.GetValues<HoldStatus>().ToDictionary(Of);

    public static string Of(EntryType type) => type switch
    {
        EntryType.Grant => "grant",
        EntryType.Charge => "charge",
        EntryType.Capture => "capture",
        EntryType.Release => "release",
        EntryType.Expire => "expire",
        EntryType.Refund => "refund",
        EntryType.Reversal => "reversal",
        EntryType.Adjust => "adjust",
        EntryType.TransferIn => "transfer_in",
        EntryType.TransferOut => "transfer_out",
        EntryType.Clawback => "clawback",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown entry type"),
    };

    public static string Of(LotSource source) => source.ToString().ToLowerInvariant();

    public static string Of(HoldStatus status) => status.ToString().ToLowerInvariant();

    public static bool TryParseEntryType(string? name, out EntryType type) => EntryTypes.TryGetValue(name ?? "", out type);

    public static bool TryParseLotSource(string? name, out LotSource source) => LotSources.TryGetValue(name ?? "", out source);

    public static bool TryParseHoldStatus(string? name, out HoldStatus status) => HoldStatuses.TryGetValue(name ?? "", out status);

    public static EntryType EntryTypeOf(string name) =>
        TryParseEntryType(name, out var type) ? type : throw new InvalidDataException($"unknown entry type '{name}' in the journal");

    public static LotSource LotSourceOf(string name) =>
        TryParseLotSource(name, out var source) ? source : throw new InvalidDataException($"unknown lot source '{name}'");

    public static HoldStatus HoldStatusOf(string name) =>
        TryParseHoldStatus(name, out var status) ? status : throw new InvalidDataException($"unknown hold status '{name}'");
}
