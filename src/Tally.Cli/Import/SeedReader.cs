using System.Globalization;

namespace Tally.Cli.Import;

/// <summary>
/// Reads the seed's tables into <see cref="SeedData"/>, checking every field: the seed's code wrote
/// NULLs, duplicates and numbers in odd shapes, so a row that cannot be used is reported and
/// skipped, never a crash.
/// </summary>
internal static class SeedReader
{
    /// <summary>Largest magnitude accepted for a credit amount or balance (the ledger's own ceiling).</summary>
    public const long MaxAmount = 1_000_000_000_000;

    public static async Task<SeedData> ReadAsync(ISeedSource source, IProgress<long>? rows, CancellationToken ct)
    {
        var data = new SeedData();
        var balanceTable = await FirstAsync(source, SeedTables.Balances, ct)
            ?? throw new ImportSourceException($"no balance table: expected one of {string.Join(", ", SeedTables.Balances)} in {source.Describe}");
        data.BalanceTable = balanceTable;
        await ReadBalancesAsync(source, data, rows, ct);
        if (await source.HasTableAsync(SeedTables.Transactions, ct))
        {
            await ReadTransactionsAsync(source, data, rows, ct);
        }

        if (await source.HasTableAsync(SeedTables.Packages, ct))
        {
            await ReadPackagesAsync(source, data, rows, ct);
        }

        if (await source.HasTableAsync(SeedTables.Subscriptions, ct))
        {
            await ReadSubscriptionsAsync(source, data, rows, ct);
        }

        data.PaymentTable = await FirstAsync(source, SeedTables.Payments, ct);
        if (data.PaymentTable is not null)
        {
            await ReadPaymentsAsync(source, data, rows, ct);
        }

        return data;
    }

    private static async Task<string?> FirstAsync(ISeedSource source, string[] tables, CancellationToken ct)
    {
        foreach (var table in tables)
        {
            if (await source.HasTableAsync(table, ct))
            {
                return table;
            }
        }

        return null;
    }

    private static async Task ReadBalancesAsync(ISeedSource source, SeedData data, IProgress<long>? rows, CancellationToken ct)
    {
        var table = data.BalanceTable;
        await foreach (var row in source.ReadAsync(table, ct))
        {
            Count(data, table, rows);
            var id = row.Get("id") ?? $"line {row.Line}";
            var user = row.Get("user_id");
            long balance = 0;
            string? why = user is null ? "user_id is NULL"
                : !TryAmount(row.Get("balance", "credits"), out balance, out var balanceWhy) ? $"balance {balanceWhy}"
                : null;
            if (why is not null)
            {
                data.Problem(ProblemKinds.InvalidRow, table, id, user, why);
                continue;
            }

            var updated = Time(row.Get("updated_at", "created_at"));
            var balanceRow = new SeedBalance(id, user!, balance, updated, row.Line);
            if (data.Balances.TryGetValue(user!, out var earlier))
            {
                var newer = (balanceRow.UpdatedAt ?? DateTimeOffset.MinValue) >= (earlier.UpdatedAt ?? DateTimeOffset.MinValue) ? balanceRow : earlier;
                var dropped = ReferenceEquals(newer, balanceRow) ? earlier : balanceRow;
                data.Problem(ProblemKinds.DuplicateBalance, table, dropped.RowId, user, $"kept row {newer.RowId} (balance {newer.Balance}), dropped row {dropped.RowId} (balance {dropped.Balance})");
                data.Balances[user!] = newer;
                continue;
            }

            data.Balances[user!] = balanceRow;
        }
    }

    private static async Task ReadTransactionsAsync(ISeedSource source, SeedData data, IProgress<long>? rows, CancellationToken ct)
    {
        const string table = SeedTables.Transactions;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var row in source.ReadAsync(table, ct))
        {
            Count(data, table, rows);
            var id = row.Get("id");
            var user = row.Get("user_id");
            var type = row.Get("type")?.ToLowerInvariant();
            string? why = null;
            long amount = 0;
            if (id is null)
            {
                why = "id is NULL";
            }
            else if (user is null)
            {
                why = "user_id is NULL";
            }
            else if (!TryAmount(row.Get("amount"), out amount, out var amountWhy))
            {
                why = $"amount {amountWhy}";
            }
            else if (amount == 0)
            {
                why = "amount is 0";
            }

            if (why is not null)
            {
                data.Problem(ProblemKinds.InvalidRow, table, id ?? $"line {row.Line}", user, why);
                continue;
            }

            if (!seen.Add(id!))
            {
                data.Problem(ProblemKinds.DuplicateRow, table, id!, user, "the same transaction id appears again");
                continue;
            }

            type ??= amount > 0 ? "(null, positive)" : "(null, negative)";
            var tx = new SeedTransaction(id!, user!, amount, type, row.Get("description"), row.Get("reference_id"), Time(row.Get("created_at")), row.Line);
            if (!data.Transactions.TryGetValue(tx.UserId, out var list))
            {
                data.Transactions[tx.UserId] = list = [];
            }

            list.Add(tx);
            var (count, sum) = data.ByType.GetValueOrDefault(type);
            data.ByType[type] = (count + 1, sum + amount);
        }

        foreach (var list in data.Transactions.Values)
        {
            list.Sort(static (a, b) => (a.CreatedAt, b.CreatedAt) switch
            {
                ({ } x, { } y) when x != y => x.CompareTo(y),
                (null, not null) => 1,
                (not null, null) => -1,
                _ => a.Line.CompareTo(b.Line),
            });
        }
    }

    private static async Task ReadPackagesAsync(ISeedSource source, SeedData data, IProgress<long>? rows, CancellationToken ct)
    {
        const string table = SeedTables.Packages;
        var order = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var row in source.ReadAsync(table, ct))
        {
            Count(data, table, rows);
            order++;
            var id = row.Get("id");
            var name = row.Get("name") ?? id;
            string? why = null;
            long credits = 0, bonus = 0, price = 0;
            var currency = (row.Get("currency") ?? "USD").ToUpperInvariant();
            if (id is null || !seen.Add(id))
            {
                why = id is null ? "id is NULL" : "the same package id appears again";
            }
            else if (!TryAmount(row.Get("credits"), out credits, out var creditsWhy) || credits <= 0)
            {
                why = $"credits {creditsWhy ?? "must be positive"}";
            }
            else if (row.Get("bonus_credits", "bonus") is { } bonusText && (!TryAmount(bonusText, out bonus, out _) || bonus < 0))
            {
                why = "bonus_credits is not a whole number ≥ 0";
            }
            else if (!TryPrice(row, out price))
            {
                why = "price is missing, negative, or has more than 2 decimals";
            }
            else if (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
            {
                why = $"currency '{currency}' is not an ISO 4217 code";
            }

            if (why is not null)
            {
                data.Problem(ProblemKinds.InvalidRow, table, id ?? $"line {row.Line}", null, why);
                continue;
            }

            var active = Bool(row.Get("active", "is_active")) ?? true;
            var sort = int.TryParse(row.Get("sort_order"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : order;
            data.Packages.Add(new SeedPackage(id!, name!, credits, bonus, price, currency, active, sort, row.Get("dodo_product_id", "product_id")));
        }
    }

    private static async Task ReadSubscriptionsAsync(ISeedSource source, SeedData data, IProgress<long>? rows, CancellationToken ct)
    {
        const string table = SeedTables.Subscriptions;
        await foreach (var row in source.ReadAsync(table, ct))
        {
            Count(data, table, rows);
            var id = row.Get("id") ?? $"line {row.Line}";
            var user = row.Get("user_id");
            long perPeriod = 0, used = 0;
            string? why = user is null ? "user_id is NULL"
                : !TryAmount(row.Get("credits_per_month", "credits_per_period", "credits"), out perPeriod, out var perWhy) || perPeriod < 0 ? $"credits_per_month {perWhy ?? "is negative"}"
                : row.Get("credits_used") is { } usedText && (!TryAmount(usedText, out used, out _) || used < 0) ? "credits_used is not a whole number ≥ 0"
                : null;
            if (why is not null)
            {
                data.Problem(ProblemKinds.InvalidRow, table, id, user, why);
                continue;
            }

            var end = Time(row.Get("current_period_end", "renews_at", "expires_at", "period_end"));
            var sub = new SeedSubscription(id, user!, row.Get("plan", "plan_id"), (row.Get("status") ?? "active").ToLowerInvariant(), perPeriod, used, end);
            if (!data.Subscriptions.TryGetValue(sub.UserId, out var list))
            {
                data.Subscriptions[sub.UserId] = list = [];
            }

            list.Add(sub);
        }
    }

    private static async Task ReadPaymentsAsync(ISeedSource source, SeedData data, IProgress<long>? rows, CancellationToken ct)
    {
        var table = data.PaymentTable!;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var row in source.ReadAsync(table, ct))
        {
            Count(data, table, rows);
            var id = row.Get("id");
            var user = row.Get("user_id");
            var providerId = row.Get("payment_id", "dodo_payment_id", "provider_payment_id") ?? id;
            var currency = (row.Get("currency") ?? "USD").ToUpperInvariant();
            long amount = 0, credits = 0;
            string? why = id is null ? "id is NULL"
                : user is null ? "user_id is NULL"
                : !seen.Add(providerId!) ? "the same payment id appears again"
                : !TryAmount(row.Get("amount", "total_amount", "amount_cents"), out amount, out var amountWhy) || amount < 0 ? $"amount {amountWhy ?? "is negative"}"
                : row.Get("credits") is { } creditsText && (!TryAmount(creditsText, out credits, out _) || credits < 0) ? "credits is not a whole number ≥ 0"
                : currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper) ? $"currency '{currency}' is not an ISO 4217 code"
                : null;
            if (why is not null)
            {
                data.Problem(ProblemKinds.InvalidRow, table, id ?? $"line {row.Line}", user, why);
                continue;
            }

            var created = Time(row.Get("created_at")) ?? DateTimeOffset.UnixEpoch;
            data.Payments.Add(new SeedPayment(id!, user!, providerId!, amount, currency, credits, (row.Get("status") ?? "succeeded").ToLowerInvariant(), row.Get("package_id"), created));
        }
    }

    private static void Count(SeedData data, string table, IProgress<long>? rows)
    {
        data.RowsRead[table] = data.RowsRead.GetValueOrDefault(table) + 1;
        rows?.Report(1);
    }

    /// <summary>A whole number of credits (the seed's INTEGER columns; "12.0" is accepted, "12.5" is not).</summary>
    internal static bool TryAmount(string? text, out long amount, out string? why)
    {
        amount = 0;
        if (text is null)
        {
            why = "is NULL";
            return false;
        }

        if (!decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            why = $"'{Shorten(text)}' is not a number";
            return false;
        }

        if (value != decimal.Truncate(value) || Math.Abs(value) > MaxAmount)
        {
            why = $"{value.ToString(CultureInfo.InvariantCulture)} is not a whole number within ±10^12";
            return false;
        }

        amount = (long)value;
        why = null;
        return true;
    }

    private static bool TryPrice(SeedRow row, out long minor)
    {
        minor = 0;
        if (row.Get("price_cents", "price_minor", "price_amount") is { } cents)
        {
            return TryAmount(cents, out minor, out _) && minor >= 0;
        }

        if (!decimal.TryParse(row.Get("price"), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var major))
        {
            return false;
        }

        var scaled = major * 100m;
        if (scaled != decimal.Truncate(scaled) || scaled > MaxAmount)
        {
            return false;
        }

        minor = (long)scaled;
        return true;
    }

    private static DateTimeOffset? Time(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t.ToUniversalTime() : null;

    private static bool? Bool(string? text) => text?.ToLowerInvariant() switch
    {
        "true" or "t" or "1" or "yes" => true,
        "false" or "f" or "0" or "no" => false,
        _ => null,
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}

/// <summary>The seed cannot be read at all (no balance table, unreachable database): the command exits 2 with this message.</summary>
internal sealed class ImportSourceException(string message) : Exception(message);
