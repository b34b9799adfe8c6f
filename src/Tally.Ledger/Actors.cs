namespace Tally.Ledger;

/// <summary>Who an entry is attributed to when no API key or admin asked for it.</summary>
public static class Actors
{
    public const string System = "system";
}
