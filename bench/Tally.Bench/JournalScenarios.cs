using System.Diagnostics;
using Npgsql;
using Spectre.Console;
using Tally.Ledger.Postgres;

namespace Tally.Bench;

/// <summary>
/// A large journal (bench/README.md, <c>--journal N</c>; SPEC §14: history page p99 &lt; 20 ms and
/// charges within 10 % of an empty database when the journal holds 10 million entries). On one
/// PostgreSQL database: library charges on random accounts and the first history page of random
/// accounts, measured with the seeded journal, then again after N more entries were written
/// straight into it.
/// </summary>
internal static class JournalScenarios
{
    private const int Requests = 500;

    /// <summary>Accounts per fill statement: a few hundred thousand rows each, so progress shows.</summary>
    private const int FillChunk = 250;

    public static async Task<IReadOnlyList<ResultRow>> RunAsync(string database, string[] accounts, long entries, int callers, int? lanes, TimeSpan warmup, TimeSpan duration)
    {
        var rows = new List<ResultRow>();
        var empty = await MeasureAsync("seeded journal", database, accounts, callers, lanes, warmup, duration);
        rows.Add(new ResultRow(empty.Charges, "", null));
        rows.Add(HistoryRow(empty.History));

        var perAccount = (int)Math.Max(1, entries / accounts.Length);
        var clock = Stopwatch.StartNew();
        var written = await FillAsync(database, accounts, perAccount);
        clock.Stop();
        rows.Add(new ResultRow(new LoadResult($"fill: {written:N0} entries written by SQL, {perAccount:N0} per account", written, 0, clock.Elapsed, double.NaN, double.NaN), "rows/s", null));

        var full = await MeasureAsync($"{written / 1_000_000.0:N1} M more entries", database, accounts, callers, lanes, warmup, duration);
        rows.Add(new ResultRow(full.Charges, "≥ 90 % of empty", full.Charges.PerSecond / empty.Charges.PerSecond / 0.9));
        rows.Add(HistoryRow(full.History));
        return rows;
    }

    private static ResultRow HistoryRow(LoadResult history) => new(history, "p99 < 20 ms", 20 / history.P99Ms);

    private static async Task<(LoadResult Charges, LoadResult History)> MeasureAsync(string label, string database, string[] accounts, int callers, int? lanes, TimeSpan warmup, TimeSpan duration)
    {
        LoadResult charges;
        await using (var store = new PostgresLedgerStore(database))
        {
            charges = await new LedgerScenarios(store, lanes).ChargeRandomAsync($"library charges, random accounts, c={callers}, {label}", accounts, callers, warmup, duration);
        }

        // The analytics folder off: with it on, a server meeting millions of unfolded entries would
        // spend the run folding them, which a server that had been running all along would not.
        await using var http = await HttpScenarios.StartAsync(database, true, "--CREDIT_ENABLE_ANALYTICS=false");
        var random = new Random(11);
        var history = await http.TimeGetsAsync($"GET /v1/accounts/{{id}}/entries (first page, 50), {label}", Requests, 50,
            () => $"/v1/accounts/{accounts[random.Next(accounts.Length)]}/entries");
        return (charges, history);
    }

    /// <summary>
    /// Appends <paramref name="perAccount"/> entries to each account's journal: zero-credit charges
    /// (as a charge of a free feature writes), each with the account's balance after it, numbered
    /// on from the account's seq and dated a microsecond apart from now, so every invariant holds
    /// and the rows go to the month partition the bench's own charges use.
    /// </summary>
    private static async Task<long> FillAsync(string database, string[] accounts, int perAccount)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        long written = 0;
        foreach (var chunk in accounts.Chunk(FillChunk))
        {
            await using var fill = new NpgsqlCommand(
                """
                WITH filled AS (
                    INSERT INTO entries (id, account_id, seq, type, unit, amount, balance_after, metadata, actor, created_at)
                    SELECT gen_random_uuid(), a.id, a.seq + g, 'charge', b.unit, 0, b.balance, '{}', 'bench',
                           now() + g * interval '1 microsecond'
                    FROM accounts a
                    JOIN balances b ON b.account_id = a.id
                    CROSS JOIN generate_series(1, $2) g
                    WHERE a.external_id = ANY($1)
                    RETURNING account_id)
                UPDATE accounts SET seq = seq + $2 WHERE external_id = ANY($1)
                """,
                connection) { CommandTimeout = 0 };
            fill.Parameters.Add(new NpgsqlParameter { Value = chunk });
            fill.Parameters.Add(new NpgsqlParameter { Value = perAccount });
            await fill.ExecuteNonQueryAsync();
            written += (long)chunk.Length * perAccount;
            AnsiConsole.MarkupLine($"[grey]{DateTime.UtcNow:HH:mm:ss} journal fill: {written:N0} entries[/]");
        }

        await using var analyze = new NpgsqlCommand("ANALYZE; CHECKPOINT", connection) { CommandTimeout = 0 };
        await analyze.ExecuteNonQueryAsync();
        return written;
    }
}
