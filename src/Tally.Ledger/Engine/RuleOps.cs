using Tally.Ledger.Amounts;
using Tally.Ledger.Model;
using Tally.Ledger.Rules;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Engine;

/// <summary>
/// Runs the configured rules (SPEC §9) on a grant or charge against the locked account and its
/// usage rows, and takes the usage of a command that went through — in the same snapshot, so a
/// later command of the same group-commit batch sees it, and in the same transaction as the entry.
/// </summary>
internal static class RuleOps
{
    public static RuleOutcome Evaluate(CommandContext ctx, AccountRow account, RuleOperation operation, UnitInfo unit, Credits amount, string? feature = null, Micros? quantity = null, LotSource? source = null) =>
        ctx.Rules.Evaluate(new RuleContext
        {
            Operation = operation,
            Account = account.ExternalId,
            Tier = account.Tier,
            Unit = unit,
            Amount = amount,
            Requested = amount,
            Balance = account.Balances.TryGetValue(unit.Key, out var balance) ? balance.Balance : Credits.Zero,
            Feature = feature,
            Quantity = quantity,
            Source = source,
            Now = ctx.Now,
            Usage = new Usage(account),
        });

    /// <summary>Adds what the command's rules used to the account's usage rows (inserted or updated on commit).</summary>
    public static void Take(AccountRow account, IReadOnlyList<RuleUse> uses)
    {
        foreach (var use in uses)
        {
            if (!account.RuleUsage.TryGetValue((use.Key, use.Period), out var row))
            {
                row = new RuleUsageRow { AccountId = account.Id, Key = use.Key, Period = use.Period, IsNew = true };
                account.RuleUsage[(use.Key, use.Period)] = row;
            }

            row.Used = checked(row.Used + use.Delta);
            row.IsDirty = true;
        }
    }

    private sealed class Usage(AccountRow account) : IRuleUsage
    {
        public long Get(string key, long period) => account.RuleUsage.TryGetValue((key, period), out var row) ? row.Used : 0;
    }
}
