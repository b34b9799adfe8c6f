using System.Globalization;
using System.Text;

namespace Tally.Ledger.Storage;

/// <summary>A committed change: the account and its <c>seq</c> after the transaction.</summary>
public readonly record struct AccountChange(string Account, long Seq);

/// <summary>
/// Told about committed changes, on every instance (the store's wake-ups are advisory: the journal
/// is the truth, so a listener reads what changed from it). Both calls come from one loop and must
/// return promptly: they only signal, never read or write.
/// </summary>
public interface IChangeListener
{
    /// <summary>These accounts changed; each seq is the newest the transaction wrote.</summary>
    void Changed(IReadOnlyList<AccountChange> changes);

    /// <summary>
    /// Wake-ups may have been missed (the feed connected, or connected again after losing its
    /// connection): whoever follows an account should read its journal again.
    /// </summary>
    void Resync();
}

/// <summary>The wake-up's wire form (PostgreSQL NOTIFY payloads): one <c>seq account</c> line per change.</summary>
public static class ChangeMessages
{
    /// <summary>PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; messages stay well below.</summary>
    public const int MaxMessageBytes = 7000;

    /// <summary>The accounts a transaction changed (created, or whose seq moved), with their new seq.</summary>
    public static List<AccountChange> Of(LedgerSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var changes = new List<AccountChange>();
        foreach (var account in snapshot.Accounts.Values)
        {
            if (account.IsNew || account.IsDirty)
            {
                changes.Add(new AccountChange(account.ExternalId, account.Seq));
            }
        }

        return changes;
    }

    /// <summary>The changes as as few messages as fit under <see cref="MaxMessageBytes"/> (account ids are ASCII).</summary>
    public static List<string> Encode(IReadOnlyList<AccountChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var messages = new List<string>();
        var message = new StringBuilder();
        foreach (var change in changes)
        {
            var line = string.Create(CultureInfo.InvariantCulture, $"{change.Seq} {change.Account}\n");
            if (message.Length + line.Length > MaxMessageBytes)
            {
                messages.Add(message.ToString());
                message.Clear();
            }

            message.Append(line);
        }

        if (message.Length > 0)
        {
            messages.Add(message.ToString());
        }

        return messages;
    }

    /// <summary>Reads a message back; lines that do not parse are skipped (a wake-up is only a hint).</summary>
    public static List<AccountChange> Decode(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var changes = new List<AccountChange>();
        foreach (var line in message.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && long.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && space < line.Length - 1)
            {
                changes.Add(new AccountChange(line[(space + 1)..], seq));
            }
        }

        return changes;
    }
}
