using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Engine;

/// <summary>What a request touches: the rows its transaction must lock and load.</summary>
internal static class WriteScopes
{
    public static WriteScope Of(IEnumerable<LedgerRequest> requests)
    {
        var accounts = new HashSet<string>(StringComparer.Ordinal);
        var holds = new HashSet<Guid>();
        var entries = new HashSet<Guid>();
        var features = new HashSet<string>(StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var request in requests)
        {
            if (request.Idempotency is { } idempotency)
            {
                keys.Add(idempotency.Key);
            }

            foreach (var command in request.Commands)
            {
                Add(command, accounts, holds, entries, features);
            }
        }

        return new WriteScope(accounts, holds, entries, features, keys);
    }

    /// <summary>What decides a request's group-commit lane: its (first) account, else its hold or entry.</summary>
    public static string LaneKey(LedgerRequest request) => request.Commands[0] switch
    {
        EnsureAccount e => e.Account,
        Grant g => g.Account,
        Charge c => c.Account,
        Reserve r => r.Account,
        Adjust a => a.Account,
        Transfer t => t.From,
        SetFrozen f => f.Account,
        Sweep s => s.Account,
        Clawback c => c.Account,
        Capture c => c.HoldId.ToString("N"),
        Release r => r.HoldId.ToString("N"),
        Reverse r => r.EntryId.ToString("N"),
        _ => "",
    };

    /// <summary>Every unit key a request names (so the unit cache can be refreshed before deciding).</summary>
    public static IEnumerable<string> Units(LedgerRequest request)
    {
        foreach (var command in request.Commands)
        {
            var unit = command switch
            {
                Grant g => g.Unit,
                Charge c => c.Price.Unit,
                Reserve r => r.Price.Unit,
                Adjust a => a.Unit,
                Transfer t => t.Unit,
                Clawback c => c.Unit,
                _ => null,
            };
            yield return unit ?? UnitInfo.DefaultKey;
        }
    }

    private static void Add(LedgerCommand command, HashSet<string> accounts, HashSet<Guid> holds, HashSet<Guid> entries, HashSet<string> features)
    {
        switch (command)
        {
            case EnsureAccount e: accounts.Add(e.Account); break;
            case Grant g: accounts.Add(g.Account); break;
            case Charge c: accounts.Add(c.Account); AddFeature(c.Price, features); break;
            case Reserve r: accounts.Add(r.Account); AddFeature(r.Price, features); break;
            case Capture c: holds.Add(c.HoldId); break;
            case Release r: holds.Add(r.HoldId); break;
            case Reverse r: entries.Add(r.EntryId); break;
            case Adjust a: accounts.Add(a.Account); break;
            case Transfer t: accounts.Add(t.From); accounts.Add(t.To); break;
            case SetFrozen f: accounts.Add(f.Account); break;
            case Sweep s: accounts.Add(s.Account); break;
            case Clawback c: accounts.Add(c.Account); break;
            default: throw new System.Diagnostics.UnreachableException($"no scope for {command.GetType().Name}");
        }
    }

    private static void AddFeature(Price price, HashSet<string> features)
    {
        if (price.Feature is { } feature)
        {
            features.Add(feature);
        }
    }
}
