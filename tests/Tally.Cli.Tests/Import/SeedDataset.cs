using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace Tally.Cli.Tests.Import;

/// <summary>
/// A generated seed (the Supabase tables of shared/seed, docs/import.md), with the dirt the seed's
/// bugs leave (when <c>dirty</c>): balances that disagree with their transactions, negative
/// balances, a purchase logged twice, two balance rows for one user, transactions without a
/// balance row, unknown types, NULL times, unsettled payments, a package without a price. Knows
/// the balance Tally must end with for every user. Writes itself into PostgreSQL or as CSV.
/// </summary>
public sealed class SeedDataset
{
    /// <summary>The seed's DDL (CREDIT_SYSTEM.md for the two documented tables; docs/import.md for the rest).</summary>
    public const string Ddl = """
        CREATE TABLE user_credits (
          id UUID PRIMARY KEY,
          user_id UUID NOT NULL,
          balance INTEGER NOT NULL DEFAULT 0,
          created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
          updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
        );
        CREATE TABLE credit_transactions (
          id UUID PRIMARY KEY,
          user_id UUID NOT NULL,
          amount INTEGER NOT NULL,
          type VARCHAR(50) NOT NULL,
          description TEXT,
          reference_id UUID,
          created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
        );
        CREATE TABLE credit_packages (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          credits INTEGER NOT NULL,
          price NUMERIC(10, 2),
          popular BOOLEAN DEFAULT FALSE
        );
        CREATE TABLE subscription_credits (
          id UUID PRIMARY KEY,
          user_id UUID NOT NULL,
          plan TEXT,
          status TEXT NOT NULL,
          credits_per_month INTEGER NOT NULL,
          credits_used INTEGER NOT NULL DEFAULT 0,
          current_period_end TIMESTAMP WITH TIME ZONE
        );
        CREATE TABLE dodo_payments (
          id UUID PRIMARY KEY,
          user_id UUID NOT NULL,
          payment_id TEXT NOT NULL,
          amount INTEGER NOT NULL,
          currency TEXT NOT NULL,
          credits INTEGER NOT NULL,
          status TEXT NOT NULL,
          package_id TEXT,
          created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
        );
        """;

    private static readonly (string Id, string Name, int Credits, decimal Price)[] PackageList =
        [("starter", "Starter", 100, 9.99m), ("pro", "Pro", 500, 39.99m), ("enterprise", "Enterprise", 2000, 149.99m)];

    public List<(Guid Id, Guid User, long Balance, DateTimeOffset Updated)> Balances { get; } = [];

    public List<(Guid Id, Guid User, long Amount, string Type, string? Description, Guid? Reference, DateTimeOffset? CreatedAt)> Transactions { get; } = [];

    public List<(string Id, string Name, int Credits, decimal? Price)> Packages { get; } = [];

    public List<(Guid Id, Guid User, string Plan, string Status, int PerMonth, int Used, DateTimeOffset? End)> Subscriptions { get; } = [];

    public List<(Guid Id, Guid User, string PaymentId, long Amount, string Currency, long Credits, string Status, string? Package, DateTimeOffset CreatedAt)> Payments { get; } = [];

    /// <summary>The balance each imported user must have in Tally.</summary>
    public Dictionary<string, long> Expected { get; } = [];

    /// <summary>Users with an active subscription whose period has unused credits (they get an expiring lot).</summary>
    public List<string> Subscribers { get; } = [];

    public static SeedDataset Generate(int users, int transactions, bool dirty, int seed = 22)
    {
        var random = new Random(seed);
        var data = new SeedDataset();
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Guid NewGuid()
        {
            var bytes = new byte[16];
            random.NextBytes(bytes);
            return new Guid(bytes);
        }

        foreach (var p in PackageList)
        {
            data.Packages.Add((p.Id, p.Name, p.Credits, p.Price));
        }

        var perUser = Math.Max(1, transactions / Math.Max(1, users));
        for (var u = 0; u < users; u++)
        {
            var user = NewGuid();
            var at = start.AddMinutes(random.Next(0, 60 * 24 * 30));
            long balance = 0;
            var count = u == users - 1 ? Math.Max(0, transactions - data.Transactions.Count) : random.Next(perUser / 2, perUser + perUser / 2 + 1);
            for (var t = 0; t < count; t++)
            {
                at = at.AddMinutes(random.Next(1, 600));
                var (amount, type, reference) = t == 0 ? (100L, "initialization", (Guid?)null) : random.Next(100) switch
                {
                    < 10 => Purchase(),
                    < 14 => (random.Next(5, 50), "bonus", null),
                    < 17 => (200, "subscription", null),
                    < 18 => (random.Next(1, 20), "refund", null),
                    < 19 => (random.Next(-20, 21) is var a && a != 0 ? a : 5, "admin_adjustment", null),
                    _ => (-random.Next(1, 11), "deduction", null),
                };
                if (amount < 0 && balance + amount < 0)
                {
                    (amount, type, reference) = Purchase();
                }

                (long, string, Guid?) Purchase()
                {
                    var package = PackageList[random.Next(PackageList.Length)];
                    var payment = NewGuid();
                    data.Payments.Add((NewGuid(), user, $"pay_{payment:N}", (long)(package.Price * 100), "USD", package.Credits, "succeeded", package.Id, at));
                    return (package.Credits, "purchase", payment);
                }

                balance += amount;
                data.Transactions.Add((NewGuid(), user, amount, type, $"{type} {amount}", reference, at));
            }

            data.Balances.Add((NewGuid(), user, balance, at));
            data.Expected[user.ToString()] = balance;
            if (u % 50 == 7)
            {
                var used = random.Next(0, 150);
                data.Subscriptions.Add((NewGuid(), user, "pro-monthly", "active", 200, used, DateTimeOffset.UtcNow.AddDays(20)));
                data.Subscribers.Add(user.ToString());
            }
        }

        if (dirty)
        {
            data.AddDirt(NewGuid, start);
        }

        return data;
    }

    private void AddDirt(Func<Guid> newGuid, DateTimeOffset start)
    {
        // A balance the transactions do not add up to (the seed's non-atomic add/deduct).
        var drifted = Balances[0];
        Balances[0] = drifted with { Balance = drifted.Balance + 7 };
        Expected[drifted.User.ToString()] = drifted.Balance + 7;

        // A negative balance (a deduction raced the check).
        var negative = Balances[1];
        Balances[1] = negative with { Balance = -25 };
        Expected[negative.User.ToString()] = -25;

        // A purchase logged twice (a webhook delivered twice), the balance including both.
        var twice = Balances[2];
        var reference = newGuid();
        Transactions.Add((newGuid(), twice.User, 100, "purchase", "dup", reference, start.AddDays(40)));
        Transactions.Add((newGuid(), twice.User, 100, "purchase", "dup", reference, start.AddDays(40)));
        Balances[2] = twice with { Balance = twice.Balance + 200 };
        Expected[twice.User.ToString()] = twice.Balance + 200;

        // Two balance rows for one user: the newer one wins.
        var doubled = Balances[3];
        Balances.Add((newGuid(), doubled.User, doubled.Balance + 1000, doubled.Updated.AddDays(-1)));

        // Transactions of a user who never got a balance row: their sum is trusted.
        var orphan = newGuid();
        Transactions.Add((newGuid(), orphan, 50, "purchase", null, null, null));
        Transactions.Add((newGuid(), orphan, -5, "deduction", null, null, start.AddDays(50)));
        Expected[orphan.ToString()] = 45;

        // A type nobody documented, a NULL time.
        var odd = Balances[4];
        Transactions.Add((newGuid(), odd.User, 3, "mystery_bonus", null, null, null));
        Balances[4] = odd with { Balance = odd.Balance + 3 };
        Expected[odd.User.ToString()] = odd.Balance + 3;

        // A subscription whose period ended; a pending payment; a payment of an unknown user; a package without a price.
        Subscriptions.Add((newGuid(), Balances[5].User, "pro-monthly", "cancelled", 200, 10, start));
        Payments.Add((newGuid(), Balances[5].User, "pay_pending_1", 999, "USD", 100, "pending", "starter", start));
        Payments.Add((newGuid(), newGuid(), "pay_stranger_1", 999, "USD", 100, "succeeded", "starter", start));
        Packages.Add(("broken", "Broken", 10, null));
    }

    public async Task WriteToPostgresAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var ddl = new NpgsqlCommand(Ddl, connection))
        {
            await ddl.ExecuteNonQueryAsync();
        }

        // Two rows of one user are the dirt, so the balance table has no unique index on user_id.
        await using (var balances = await connection.BeginBinaryImportAsync("COPY user_credits (id, user_id, balance, updated_at) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var b in Balances)
            {
                await balances.WriteRowAsync(default, b.Id, b.User, (int)b.Balance, b.Updated);
            }

            await balances.CompleteAsync();
        }

        await using (var txs = await connection.BeginBinaryImportAsync("COPY credit_transactions (id, user_id, amount, type, description, reference_id, created_at) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var t in Transactions)
            {
                await txs.StartRowAsync();
                await txs.WriteAsync(t.Id, NpgsqlDbType.Uuid);
                await txs.WriteAsync(t.User, NpgsqlDbType.Uuid);
                await txs.WriteAsync((int)t.Amount, NpgsqlDbType.Integer);
                await txs.WriteAsync(t.Type, NpgsqlDbType.Varchar);
                await WriteNullableAsync(txs, t.Description, NpgsqlDbType.Text);
                await WriteNullableAsync(txs, t.Reference, NpgsqlDbType.Uuid);
                await WriteNullableAsync(txs, t.CreatedAt, NpgsqlDbType.TimestampTz);
            }

            await txs.CompleteAsync();
        }

        foreach (var p in Packages)
        {
            await using var insert = new NpgsqlCommand("INSERT INTO credit_packages (id, name, credits, price) VALUES (@id, @name, @credits, @price)", connection);
            insert.Parameters.AddWithValue("id", p.Id);
            insert.Parameters.AddWithValue("name", p.Name);
            insert.Parameters.AddWithValue("credits", p.Credits);
            insert.Parameters.AddWithValue("price", (object?)p.Price ?? DBNull.Value);
            await insert.ExecuteNonQueryAsync();
        }

        foreach (var s in Subscriptions)
        {
            await using var insert = new NpgsqlCommand("INSERT INTO subscription_credits VALUES (@id, @user, @plan, @status, @per, @used, @end)", connection);
            insert.Parameters.AddWithValue("id", s.Id);
            insert.Parameters.AddWithValue("user", s.User);
            insert.Parameters.AddWithValue("plan", s.Plan);
            insert.Parameters.AddWithValue("status", s.Status);
            insert.Parameters.AddWithValue("per", s.PerMonth);
            insert.Parameters.AddWithValue("used", s.Used);
            insert.Parameters.AddWithValue("end", (object?)s.End ?? DBNull.Value);
            await insert.ExecuteNonQueryAsync();
        }

        await using (var payments = await connection.BeginBinaryImportAsync("COPY dodo_payments (id, user_id, payment_id, amount, currency, credits, status, package_id, created_at) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var p in Payments)
            {
                await payments.WriteRowAsync(default, p.Id, p.User, p.PaymentId, (int)p.Amount, p.Currency, (int)p.Credits, p.Status, (object?)p.Package ?? DBNull.Value, p.CreatedAt);
            }

            await payments.CompleteAsync();
        }
    }

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter importer, T? value, NpgsqlDbType type) =>
        value is null ? importer.WriteNullAsync() : importer.WriteAsync(value, type);

    /// <summary>Writes one CSV per table (RFC 4180; NULL is an empty field); with <paramref name="csvDirt"/>, rows only a CSV can hold (a repeated id, a non-number).</summary>
    public void WriteCsv(string directory, bool csvDirt)
    {
        Directory.CreateDirectory(directory);
        Write(Path.Combine(directory, "user_credits.csv"), "id,user_id,balance,created_at,updated_at",
            Balances.Select(b => Row(b.Id, b.User, b.Balance, null, b.Updated)));
        var txs = Transactions.Select(t => Row(t.Id, t.User, t.Amount, t.Type, t.Description, t.Reference, t.CreatedAt)).ToList();
        if (csvDirt)
        {
            txs.Add(txs[3]);
            txs.Add(Row(Guid.Empty, Balances[6].User, "abc", "deduction", "quoted, \"tricky\"\nmultiline", null, null));
        }

        Write(Path.Combine(directory, "credit_transactions.csv"), "id,user_id,amount,type,description,reference_id,created_at", txs);
        Write(Path.Combine(directory, "credit_packages.csv"), "id,name,credits,price,popular", Packages.Select(p => Row(p.Id, p.Name, p.Credits, p.Price, false)));
        Write(Path.Combine(directory, "subscription_credits.csv"), "id,user_id,plan,status,credits_per_month,credits_used,current_period_end",
            Subscriptions.Select(s => Row(s.Id, s.User, s.Plan, s.Status, s.PerMonth, s.Used, s.End)));
        Write(Path.Combine(directory, "dodo_payments.csv"), "id,user_id,payment_id,amount,currency,credits,status,package_id,created_at",
            Payments.Select(p => Row(p.Id, p.User, p.PaymentId, p.Amount, p.Currency, p.Credits, p.Status, p.Package, p.CreatedAt)));
    }

    private static void Write(string path, string header, IEnumerable<string> rows)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        writer.Write(header + "\r\n");
        foreach (var row in rows)
        {
            writer.Write(row + "\r\n");
        }
    }

    private static string Row(params object?[] values) => string.Join(",", values.Select(Field));

    private static string Field(object? value) => value switch
    {
        null => "",
        DateTimeOffset t => t.ToString("O", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        string s when s.IndexOfAny([',', '"', '\r', '\n']) >= 0 => "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"",
        _ => value.ToString() ?? "",
    };
}
