using Tally.Ledger.Amounts;

namespace Tally.Ledger.Engine;

/// <summary>Looks up units by key. Units never change precision once created, so callers may cache.</summary>
public interface IUnitCatalog
{
    UnitInfo? Find(string key);
}
