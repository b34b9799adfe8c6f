using Tally.Ledger.Amounts;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Engine;

/// <summary>Everything one command runs against: the locked rows, the clock, who asked, the rules.</summary>
internal sealed class CommandContext(LedgerSnapshot snapshot, LedgerOptions options, IUnitCatalog units, string actor, string? idempotencyKey)
{
    public LedgerSnapshot Snapshot { get; } = snapshot;
    public DateTimeOffset Now => Snapshot.Now;
    public LedgerOptions Options { get; } = options;
    public IUnitCatalog Units { get; } = units;
    public string Actor { get; } = actor;
    public string? IdempotencyKey { get; } = idempotencyKey;
    public Rules.RuleSet Rules => Options.Rules;

    public Guid NewId() => Model.LedgerIds.New(Now);

    public UnitInfo Unit(string key) =>
        Units.Find(key) ?? throw new InvariantViolationException($"unit '{key}' is in the ledger but not in the catalog");
}
