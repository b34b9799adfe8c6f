using System.Collections.Concurrent;
using Tally.Ledger.Amounts;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Engine;

/// <summary>
/// Units from the store, cached: a unit's precision never changes after creation, so a cached
/// entry is never wrong, only possibly missing (then it is looked up again).
/// </summary>
internal sealed class UnitCache(ILedgerStore store) : IUnitCatalog
{
    private readonly ConcurrentDictionary<string, UnitInfo> _units = new(StringComparer.Ordinal)
    {
        [UnitInfo.DefaultKey] = UnitInfo.Default,
    };

    public UnitInfo? Find(string key) => _units.TryGetValue(key, out var unit) ? unit : null;

    /// <summary>Reloads from the store when any of <paramref name="keys"/> is not cached yet.</summary>
    public async ValueTask EnsureAsync(IEnumerable<string> keys, CancellationToken cancellationToken)
    {
        foreach (var key in keys)
        {
            if (!_units.ContainsKey(key))
            {
                await RefreshAsync(cancellationToken);
                return;
            }
        }
    }

    /// <summary>Caches units read some other way (with a write's locked rows).</summary>
    public void Learn(IEnumerable<UnitInfo> units)
    {
        foreach (var unit in units)
        {
            _units.TryAdd(unit.Key, unit);
        }
    }

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        foreach (var unit in await store.ReadUnitsAsync(cancellationToken))
        {
            _units[unit.Key] = unit;
        }
    }

    public IReadOnlyList<UnitInfo> All => [.. _units.Values.OrderBy(u => u.Key, StringComparer.Ordinal)];
}
