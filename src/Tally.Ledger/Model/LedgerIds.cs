namespace Tally.Ledger.Model;

/// <summary>
/// Public ids are a type prefix and a time-ordered UUIDv7 in hex (<c>ent_0194…</c>), so they sort by
/// creation, index well, and can be minted by any instance without asking the database.
/// </summary>
public static class LedgerIds
{
    public const string EntryPrefix = "ent_";
    public const string HoldPrefix = "hold_";
    public const string LotPrefix = "lot_";

    public static Guid New(DateTimeOffset now) => Guid.CreateVersion7(now);

    public static string Entry(Guid id) => EntryPrefix + id.ToString("N");

    public static string Hold(Guid id) => HoldPrefix + id.ToString("N");

    public static string Lot(Guid id) => LotPrefix + id.ToString("N");

    public static bool TryParseEntry(string? text, out Guid id) => TryParse(text, EntryPrefix, out id);

    public static bool TryParseHold(string? text, out Guid id) => TryParse(text, HoldPrefix, out id);

    private static bool TryParse(string? text, string prefix, out Guid id)
    {
        id = Guid.Empty;
        return text is not null
            && text.StartsWith(prefix, StringComparison.Ordinal)
            && Guid.TryParseExact(text.AsSpan(prefix.Length), "N", out id);
    }
}

/// <summary>Rules for the host app's account ids: 1–200 chars of letters, digits and <c>-_.:@</c>.</summary>
public static class AccountIds
{
    public const int MaxLength = 200;

    public static bool IsValid(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in id)
        {
            var ok = char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '@';
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
