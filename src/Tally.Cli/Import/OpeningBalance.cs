using System.Text.Json;
using Tally.Ledger.Model;

namespace Tally.Cli.Import;

/// <summary>One lot an imported account opens with: credits of one nature, expiring or not.</summary>
internal sealed record OpeningLot(LotSource Source, long Amount, DateTimeOffset? ExpiresAt, string Reference, string Description);

/// <summary>
/// What one seed user becomes in Tally: the balance trusted, the lots that make it up (by the
/// nature of the credits still unspent) or the debt when it is negative, and a summary of the
/// seed's history kept as the account's metadata.
/// </summary>
internal sealed record AccountOpening(string Account, long Balance, long TransactionSum, int Transactions, IReadOnlyList<OpeningLot> Lots, long Debt, string Metadata);

/// <summary>
/// Turns a seed user's balance and history into an <see cref="AccountOpening"/> (docs/import.md,
/// "Why opening balances"). The balance row is the truth the seed's app showed its users; the
/// history only says what the unspent credits are: it is replayed first-in, first-out (the seed
/// kept no lots) to find how much of what is left was bought, given, refunded or subscribed, and
/// then cut or topped up ("unexplained") to the balance.
/// </summary>
internal static class OpeningBalance
{
    private const int MaxTypesInMetadata = 24;

    public static AccountOpening Plan(SeedData data, string account, DateTimeOffset now)
    {
        var history = data.Transactions.GetValueOrDefault(account) ?? [];
        var sum = history.Sum(t => t.Amount);
        long balance;
        string trusted;
        if (data.Balances.TryGetValue(account, out var row))
        {
            balance = row.Balance;
            trusted = "balance";
            if (history.Count > 0 && sum != balance)
            {
                data.Problem(ProblemKinds.BalanceMismatch, data.BalanceTable, row.RowId, account, $"balance {balance}, transactions add up to {sum} (difference {balance - sum})");
            }
        }
        else
        {
            balance = sum;
            trusted = "transactions";
            data.Problem(ProblemKinds.NoBalanceRow, SeedTables.Transactions, account, account, $"{history.Count} transaction(s) adding up to {sum}");
        }

        var reference = row is null ? $"supabase:{SeedTables.Transactions}:{account}" : $"supabase:{data.BalanceTable}:{row.RowId}";
        ReportDuplicatePurchases(data, account, history);
        var lots = new List<OpeningLot>();
        long debt = 0;
        if (balance < 0)
        {
            debt = -balance;
            data.Problem(ProblemKinds.NegativeBalance, data.BalanceTable, row?.RowId ?? account, account, $"balance {balance}: the account opens owing {debt}");
        }
        else if (balance > 0)
        {
            var remaining = Replay(data, account, history);
            FitTo(remaining, balance);
            lots.AddRange(SubscriptionLots(data, account, remaining, now));
            foreach (var (source, amount) in Totals(remaining))
            {
                lots.Add(new OpeningLot(source, amount, null, reference, $"Opening balance imported from Supabase: {Names.Of(source)} credits"));
            }
        }

        var metadata = Metadata(data, account, row, balance, sum, history, trusted);
        return new AccountOpening(account, balance, sum, history.Count, lots, debt, metadata);
    }

    /// <summary>What each seed transaction type added as: the seed's types, then anything else by its sign.</summary>
    public static LotSource? SourceOf(string type, long amount, out bool known)
    {
        known = true;
        if (amount < 0)
        {
            return null;
        }

        switch (type)
        {
            case "purchase" or "payment" or "topup" or "top_up" or "buy":
                return LotSource.Purchase;
            case "subscription" or "subscription_credit" or "subscription_credits" or "renewal":
                return LotSource.Subscription;
            case "bonus" or "promo" or "promotion" or "referral" or "reward" or "gift" or "free" or "trial":
                return LotSource.Promo;
            case "initialization" or "initial" or "signup" or "welcome":
                return LotSource.Signup;
            case "refund" or "deduction" or "usage" or "charge" or "spend" or "debit":
                return LotSource.Refund; // credits given back
            case "admin_adjustment" or "adjustment" or "admin" or "restoration" or "manual":
                return LotSource.Admin;
            default:
                known = false;
                return LotSource.Import;
        }
    }

    private static bool IsKnownDebit(string type) => type is "deduction" or "usage" or "charge" or "spend" or "debit" or "refund" or "admin_adjustment" or "adjustment" or "admin" or "restoration" or "manual" or "purchase" or "subscription";

    /// <summary>First-in, first-out over the history: the lots left, oldest first (a debt is paid by the next credits).</summary>
    private static LinkedList<(LotSource Source, long Amount)> Replay(SeedData data, string account, List<SeedTransaction> history)
    {
        var lots = new LinkedList<(LotSource Source, long Amount)>();
        long owed = 0;
        foreach (var tx in history)
        {
            if (tx.Amount > 0)
            {
                var source = SourceOf(tx.Type, tx.Amount, out var known)!.Value;
                if (!known)
                {
                    data.Problem(ProblemKinds.UnknownType, SeedTables.Transactions, tx.Id, account, $"type '{tx.Type}', amount {tx.Amount}: counted as unexplained credits");
                }

                var amount = tx.Amount;
                var repay = Math.Min(owed, amount);
                owed -= repay;
                amount -= repay;
                if (amount > 0)
                {
                    lots.AddLast((source, amount));
                }
            }
            else
            {
                if (!IsKnownDebit(tx.Type) && !tx.Type.StartsWith('('))
                {
                    data.Problem(ProblemKinds.UnknownType, SeedTables.Transactions, tx.Id, account, $"type '{tx.Type}', amount {tx.Amount}: counted as spending");
                }

                owed += Burn(lots, -tx.Amount);
            }
        }

        return lots;
    }

    /// <summary>Takes <paramref name="amount"/> from the oldest lots; returns what they could not cover.</summary>
    private static long Burn(LinkedList<(LotSource Source, long Amount)> lots, long amount)
    {
        while (amount > 0 && lots.First is { } first)
        {
            var take = Math.Min(amount, first.Value.Amount);
            amount -= take;
            if (take == first.Value.Amount)
            {
                lots.RemoveFirst();
            }
            else
            {
                first.Value = (first.Value.Source, first.Value.Amount - take);
            }
        }

        return amount;
    }

    /// <summary>Cuts the lots (oldest first) or tops them up with unexplained credits until they hold exactly the balance.</summary>
    private static void FitTo(LinkedList<(LotSource Source, long Amount)> lots, long balance)
    {
        var total = lots.Sum(l => l.Amount);
        if (total > balance)
        {
            Burn(lots, total - balance);
        }
        else if (total < balance)
        {
            lots.AddLast((LotSource.Import, balance - total));
        }
    }

    /// <summary>
    /// This period's unused subscription allocation, taken from the subscription credits left (then
    /// the unexplained ones: an app that did not log its renewals) as lots expiring at period end.
    /// </summary>
    private static List<OpeningLot> SubscriptionLots(SeedData data, string account, LinkedList<(LotSource Source, long Amount)> lots, DateTimeOffset now)
    {
        var result = new List<OpeningLot>();
        foreach (var sub in data.Subscriptions.GetValueOrDefault(account) ?? [])
        {
            if (sub.CreditsUsed > sub.CreditsPerPeriod)
            {
                data.Problem(ProblemKinds.SubscriptionOverused, SeedTables.Subscriptions, sub.Id, account, $"used {sub.CreditsUsed} of {sub.CreditsPerPeriod}");
            }

            if (sub.Status is not ("active" or "trialing") || sub.PeriodEnd is not { } end || end <= now)
            {
                data.Problem(ProblemKinds.SubscriptionEnded, SeedTables.Subscriptions, sub.Id, account, $"status {sub.Status}, period end {sub.PeriodEnd?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "NULL"}");
                continue;
            }

            var unused = Math.Max(0, sub.CreditsPerPeriod - sub.CreditsUsed);
            var taken = Take(lots, LotSource.Subscription, unused);
            taken += Take(lots, LotSource.Import, unused - taken);
            if (taken > 0)
            {
                result.Add(new OpeningLot(LotSource.Subscription, taken, end, $"supabase:{SeedTables.Subscriptions}:{sub.Id}",
                    $"Subscription credits imported from Supabase{(sub.Plan is { } plan ? $" ({plan})" : "")}: this period's unused allocation"));
            }
        }

        return result;
    }

    private static long Take(LinkedList<(LotSource Source, long Amount)> lots, LotSource source, long amount)
    {
        long taken = 0;
        for (var node = lots.First; node is not null && taken < amount;)
        {
            var next = node.Next;
            if (node.Value.Source == source)
            {
                var take = Math.Min(amount - taken, node.Value.Amount);
                taken += take;
                if (take == node.Value.Amount)
                {
                    lots.Remove(node);
                }
                else
                {
                    node.Value = (source, node.Value.Amount - take);
                }
            }

            node = next;
        }

        return taken;
    }

    private static IEnumerable<(LotSource Source, long Amount)> Totals(LinkedList<(LotSource Source, long Amount)> lots) =>
        lots.GroupBy(l => l.Source).Select(g => (g.Key, g.Sum(l => l.Amount))).Where(t => t.Item2 > 0).OrderBy(t => t.Key);

    private static void ReportDuplicatePurchases(SeedData data, string account, List<SeedTransaction> history)
    {
        foreach (var group in history.Where(t => t.Amount > 0 && t.ReferenceId is not null && t.Type == "purchase").GroupBy(t => t.ReferenceId, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            data.Problem(ProblemKinds.DuplicatePurchase, SeedTables.Transactions, string.Join(" ", group.Select(t => t.Id)), account,
                $"reference {group.Key} granted {group.Count()} times ({string.Join(" + ", group.Select(t => t.Amount))}); the balance, which includes them, is trusted");
        }
    }

    private static string Metadata(SeedData data, string account, SeedBalance? row, long balance, long sum, List<SeedTransaction> history, string trusted)
    {
        var byType = history.GroupBy(t => t.Type, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).Take(MaxTypesInMetadata)
            .ToDictionary(g => g.Key, g => new { count = g.Count(), sum = g.Sum(t => t.Amount) }, StringComparer.Ordinal);
        var dated = history.Where(t => t.CreatedAt is not null).Select(t => t.CreatedAt!.Value).ToList();
        var summary = new
        {
            source = "supabase",
            table = data.BalanceTable,
            row = row?.RowId,
            user = account,
            balance,
            trusted,
            transactions = history.Count,
            transactionSum = sum,
            firstTransactionAt = dated.Count > 0 ? dated.Min() : (DateTimeOffset?)null,
            lastTransactionAt = dated.Count > 0 ? dated.Max() : (DateTimeOffset?)null,
            byType,
        };
        return JsonSerializer.Serialize(new { import = summary });
    }
}
