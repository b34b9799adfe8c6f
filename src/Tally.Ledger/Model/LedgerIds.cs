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

    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    // The newest (unix ms << 12 | sequence) handed out, so ids made in the same millisecond —
    // every row of one group-committed batch shares its `now` — still sort in creation order.
    private static long s_last;

    /// <summary>
    /// A UUIDv7 for <paramref name="now"/> that sorts after every id this process made before:
    /// the 12 bits after the version count up within a millisecond (RFC 9562 §6.2, method 3).
    /// </summary>
    public static Guid New(DateTimeOffset now)
    {
        var candidate = now.ToUnixTimeMilliseconds() << 12;
        long last, next;
        do
        {
            last = Volatile.Read(ref s_last);
            next = Math.Max(candidate, last + 1);
        }
        while (Interlocked.CompareExchange(ref s_last, next, last) != last);

        Span<byte> bytes = stackalloc byte[16];
        // Ids are unique, not secret (access is by key scope, never by knowing an id), so the
        // random tail comes from the fast shared generator rather than the OS CSPRNG.
        Random.Shared.NextBytes(bytes[8..]);
        var millis = next >> 12;
        for (var i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(millis >> (8 * (5 - i)));
        }

        bytes[6] = (byte)(0x70 | ((next >> 8) & 0x0F));
        bytes[7] = (byte)next;
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>The smallest id <see cref="New"/> can make at <paramref name="at"/>: ids below it are older.</summary>
    public static Guid Floor(DateTimeOffset at)
    {
        Span<byte> bytes = stackalloc byte[16];
        var millis = at.ToUnixTimeMilliseconds();
        for (var i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(millis >> (8 * (5 - i)));
        }

        return new Guid(bytes, bigEndian: true);
    }

    public static string Entry(Guid id) => EntryPrefix + id.ToString("N");

    public static string Hold(Guid id) => HoldPrefix + id.ToString("N");

    public static string Lot(Guid id) => LotPrefix + id.ToString("N");

    public static bool TryParseEntry(string? text, out Guid id) => TryParse(text, EntryPrefix, out id);

    public static bool TryParseHold(string? text, out Guid id) => TryParse(text, HoldPrefix, out id);

    public static bool TryParseLot(string? text, out Guid id) => TryParse(text, LotPrefix, out id);

    /// <summary>Only the spelling ids are given out in (lowercase hex), so one id has one spelling.</summary>
    private static bool TryParse(string? text, string prefix, out Guid id)
    {
        id = Guid.Empty;
        return text is not null
            && text.StartsWith(prefix, StringComparison.Ordinal)
            && text.AsSpan(prefix.Length).IndexOfAnyExcept(LowerHex) < 0
            && Guid.TryParseExact(text.AsSpan(prefix.Length), "N", out id);
    }
}

/// <summary>Rules for the host app's account ids: 1–200 chars of letters, digits and <c>-_.:@</c>.</summary>
public static class AccountIds
{
    public const int MaxLength = 200;

    public static bool IsValid(string? id)
    {
        // "." and ".." are path segments: a URL naming them can never reach the account.
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength || id is "." or "..")
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
