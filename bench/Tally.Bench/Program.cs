using System.CommandLine;
using Spectre.Console;
using Tally.Bench;
using Tally.Ledger.Postgres;
using Tally.Ledger.Sqlite;
using Tally.Ledger.Storage;
using Tally.TestSupport.Postgres;

// Tally's hot-path benchmark. Prints one table: the pgbench baseline and the library's charge
// throughput on PostgreSQL and SQLite, each with its target (bench/README.md). See bench/README.md.
var seconds = new Option<int>("--seconds") { Description = "Measured seconds per scenario", DefaultValueFactory = _ => 10 };
var accounts = new Option<int>("--accounts") { Description = "Accounts (and pgbench rows) for the random scenarios", DefaultValueFactory = _ => 10_000 };
var only = new Option<string>("--only") { Description = "all | postgres | sqlite", DefaultValueFactory = _ => "all" };
var randomCallers = new Option<int>("--random-callers") { Description = "Concurrent callers on random accounts", DefaultValueFactory = _ => 32 };
var httpCallers = new Option<int[]>("--http-callers") { Description = "Concurrent HTTP callers (keep-alive connections) to try; the best is the HTTP peak", DefaultValueFactory = _ => [32, 64, 128], AllowMultipleArgumentsPerToken = true };
var httpRate = new Option<double?>("--http-rate") { Description = "Offered rate (charges/s) for the HTTP latency run instead of half the peak" };
var hotCallers = new Option<int>("--hot-callers") { Description = "Concurrent callers on the hot account", DefaultValueFactory = _ => 16 };
var skipBaseline = new Option<bool>("--skip-pgbench") { Description = "Skip the pgbench baseline (for profiling runs)" };
var warmupSeconds = new Option<int>("--warmup") { Description = "Unmeasured seconds before each scenario (JIT tiering, caches)", DefaultValueFactory = _ => 5 };
var lanes = new Option<int?>("--lanes") { Description = "Group-commit lanes (transactions in flight at once; default: the store's)" };
var httpClient = new Option<bool>("--http-client") { Description = "Drive the HTTP runs with HttpClient instead of the lean driver (comparison)" };
var storm = new Option<bool>("--webhook-storm") { Description = "Only the DodoPayments replay storm: 100 payments × 10 duplicate webhooks, 64 in flight, per store" };
var sse = new Option<int[]>("--sse") { Description = "Only live streams: this many SSE listeners (e.g. 1000 10000), charges at --sse-rate/s, per store", AllowMultipleArgumentsPerToken = true };
var sseRate = new Option<double>("--sse-rate") { Description = "Charges/s offered during the SSE run", DefaultValueFactory = _ => 200 };
var outbox = new Option<bool>("--outbox") { Description = "Only outbound webhooks: HTTP charges with no endpoint and with one subscribed to credit.deducted (a local receiver), then the delivery rate of the backlog, per store" };
var analytics = new Option<int[]>("--analytics") { Description = "Only analytics: this many accounts (e.g. 10000 100000) with random charges for --seconds, one fold, then each /v1/analytics endpoint 200 times, per store", AllowMultipleArgumentsPerToken = true };
var bouncer = new Option<bool>("--pgbouncer") { Description = "Only pgbouncer's cost: library charges on random accounts on PostgreSQL directly, directly with Max Auto Prepare=0, and through pgbouncer in transaction mode (docs/operations.md, \"pgbouncer\")" };
var markdown = new Option<bool>("--markdown") { Description = "Also print the table as Markdown (for bench/README.md's history)" };
var rules = new Option<bool>("--rules") { Description = "Also charge a feature through the library with no rules and with a first-use discount + daily allowance on it (docs/rules.md), random and hot, per store" };
var fraud = new Option<bool>("--fraud") { Description = "Only fraud detection's cost: HTTP charges with CREDIT_ENABLE_FRAUD_DETECTION off and on, alternating (off, on, on, off), per store; the first --http-callers size is the load" };
var journal = new Option<long?>("--journal") { Description = "Only a large journal on PostgreSQL: library charges on random accounts and the first history page, with the seeded journal and again after this many more entries (e.g. 10000000) were written by SQL" };
var citus = new Option<bool>("--citus") { Description = "Only plain PostgreSQL vs Citus (a coordinator and two workers on this box, durable like the PostgreSQL): library charges on random accounts with group commit on and off, and the HTTP peak, per store (docs/scaling.md)" };
var root = new RootCommand("Tally benchmark: charges/s through the ledger next to pgbench") { seconds, warmupSeconds, accounts, only, randomCallers, hotCallers, httpCallers, httpRate, lanes, skipBaseline, httpClient, storm, sse, sseRate, outbox, analytics, fraud, bouncer, markdown, rules, citus, journal };
root.SetAction(async (parse, ct) =>
{
    var duration = TimeSpan.FromSeconds(parse.GetValue(seconds));
    var warmup = TimeSpan.FromSeconds(parse.GetValue(warmupSeconds));
    var rows = parse.GetValue(accounts);
    var which = parse.GetValue(only) ?? "all";
    var c = parse.GetValue(randomCallers);
    var h = parse.GetValue(hotCallers);
    var results = new List<ResultRow>();
    if (parse.GetValue(sse) is { Length: > 0 } listenerCounts)
    {
        foreach (var count in listenerCounts)
        {
            foreach (var (store, database) in await SseDatabasesAsync(which, count))
            {
                var outcome = await SseFanOut.RunAsync($"SSE {store}, {count:N0} listeners, {parse.GetValue(sseRate):N0} charges/s offered", database, count, parse.GetValue(sseRate), duration);
                results.Add(new ResultRow(outcome.Result, "p99 < 100 ms", 100 / outcome.Result.P99Ms));
                AnsiConsole.MarkupLine($"{store}, {count:N0} listeners: {outcome.Streams:N0} streams open, server RSS {outcome.RssIdleMb:N0} MB idle, {outcome.RssLoadedMb:N0} MB after the charges (target < 200 MB at 1,000); {outcome.Result.Refused} events missed or extra");
            }
        }

        ResultTable.Write(results, parse.GetValue(markdown));
        return 0;
    }

    if (parse.GetValue(analytics) is { Length: > 0 } analyticsAccounts)
    {
        foreach (var count in analyticsAccounts)
        {
            if (which is "all" or "postgres")
            {
                var pg = await (await PgServer.DurableAsync()).CreateDatabaseAsync("analytics");
                await using var store = new PostgresLedgerStore(pg);
                await store.MigrateAsync(ct);
                var scenarios = new LedgerScenarios(store, parse.GetValue(lanes));
                var ids = await scenarios.SeedAsync("bench", count);
                await store.ExecuteAsync("ANALYZE", ct);
                results.AddRange(await AnalyticsScenarios.RunAsync("PostgreSQL", pg, store, ids, scenarios, warmup, duration));
            }

            if (which is "all" or "sqlite")
            {
                var directory = Directory.CreateTempSubdirectory("tally-analytics-");
                var path = Path.Combine(directory.FullName, "analytics.db");
                await using var store = new SqliteLedgerStore(path);
                await store.MigrateAsync(ct);
                var scenarios = new LedgerScenarios(store, parse.GetValue(lanes));
                var ids = await scenarios.SeedAsync("bench", count);
                results.AddRange(await AnalyticsScenarios.RunAsync("SQLite", $"sqlite:{path}", store, ids, scenarios, warmup, duration));
            }
        }

        ResultTable.Write(results, parse.GetValue(markdown));
        return 0;
    }

    if (parse.GetValue(storm))
    {
        if (which is "all" or "postgres")
        {
            var pg = await (await PgServer.DurableAsync()).CreateDatabaseAsync("storm");
            results.Add(new ResultRow(await WebhookStorm.RunAsync("webhook storm PostgreSQL, 100 payments × 10 duplicates, 64 in flight", pg, 100, 10, 64), "one grant each", null));
        }

        if (which is "all" or "sqlite")
        {
            var directory = Directory.CreateTempSubdirectory("tally-storm-");
            try
            {
                results.Add(new ResultRow(await WebhookStorm.RunAsync("webhook storm SQLite, 100 payments × 10 duplicates, 64 in flight", $"sqlite:{Path.Combine(directory.FullName, "storm.db")}", 100, 10, 64), "one grant each", null));
            }
            finally
            {
                directory.Delete(recursive: true);
            }
        }

        ResultTable.Write(results, parse.GetValue(markdown));
        return 0;
    }

    if (parse.GetValue(journal) is { } journalEntries)
    {
        var pg = await (await PgServer.DurableAsync()).CreateDatabaseAsync("journal");
        string[] ids;
        await using (var store = new PostgresLedgerStore(pg))
        {
            await store.MigrateAsync(ct);
            ids = await new LedgerScenarios(store).SeedAsync("bench", rows);
            await store.ExecuteAsync("ANALYZE", ct);
        }

        results.AddRange(await JournalScenarios.RunAsync(pg, ids, journalEntries, c, parse.GetValue(lanes), warmup, duration));
        await using var check = new PostgresLedgerStore(pg);
        var report = await new LedgerScenarios(check).Ledger.VerifyAsync(ct);
        AnsiConsole.MarkupLine($"PostgreSQL verify after the runs: {(report.Ok ? "[green]0 violations[/]" : $"[red]{report.Violations.Count} violations[/]")}");
        ResultTable.Write(results, parse.GetValue(markdown));
        return 0;
    }

    if (parse.GetValue(bouncer))
    {
        var server = await PgServer.DurableAsync();
        var pg = await server.CreateDatabaseAsync("pgbouncer");
        await using var pooler = await PgBouncer.StartAsync(server);
        string[] ids;
        await using (var store = new PostgresLedgerStore(pg))
        {
            await store.MigrateAsync(ct);
            ids = await new LedgerScenarios(store).SeedAsync("bench", rows);
            await store.ExecuteAsync("ANALYZE", ct);
        }

        foreach (var (name, connection) in new[]
        {
            ("direct", pg),
            ("direct, Max Auto Prepare=0", pg + ";Max Auto Prepare=0"),
            ("pgbouncer (transaction), Max Auto Prepare=0", pooler.Through(pg, "Max Auto Prepare=0")),
        })
        {
            await using var store = new PostgresLedgerStore(connection);
            var result = await new LedgerScenarios(store, parse.GetValue(lanes)).ChargeRandomAsync($"library charges, {name}, {c} callers", ids, c, warmup, duration);
            results.Add(new ResultRow(result, "", null));
        }

        ResultTable.Write(results, parse.GetValue(markdown));
        return 0;
    }

    if (parse.GetValue(citus))
    {
        // The same loads on the durable PostgreSQL and on a durable Citus cluster of this process's
        // own: three more PostgreSQL servers on the same cores, so this measures Citus's overhead
        // per charge, not what it gains with machines of its own.
        var plain = await (await PgServer.DurableAsync()).CreateDatabaseAsync("citusbase");
        await using var cluster = await CitusCluster.StartPrivateAsync(durable: true);
        var distributed = await cluster.CreateDatabaseAsync("bench");
        var baseline = new Dictionary<bool, LoadResult>();
        foreach (var (name, database) in new[] { ("PostgreSQL", plain), ("Citus", distributed) })
        {
            string[] ids;
            LoadResult? grouped = null;
            await using (var store = new PostgresLedgerStore(database))
            {
                await store.MigrateAsync(ct);
                ids = await new LedgerScenarios(store).SeedAsync("bench", rows);
                await store.ExecuteAsync("ANALYZE", ct);
                foreach (var groupCommit in (bool[])[true, false])
                {
                    var scenarios = new LedgerScenarios(store, parse.GetValue(lanes), groupCommit: groupCommit);
                    var run = await scenarios.ChargeRandomAsync($"library {name} random accounts, group commit {(groupCommit ? "on" : "off")}, c={c}", ids, c, warmup, duration);
                    grouped ??= run;
                    results.Add(baseline.TryGetValue(groupCommit, out var pgRun)
                        ? new ResultRow(run, "PostgreSQL, same mode", run.PerSecond / pgRun.PerSecond)
                        : new ResultRow(run, "baseline", null));
                    baseline.TryAdd(groupCommit, run);
                    await scenarios.Ledger.DisposeAsync();
                }
            }

            await RunHttpAsync(name, database, ids, grouped!);
            await using var check = new PostgresLedgerStore(database);
            var report = await new LedgerScenarios(check).Ledger.VerifyAsync(ct);
            AnsiConsole.MarkupLine($"{name} verify after the runs: {(report.Ok ? "[green]0 violations[/]" : $"[red]{report.Violations.Count} violations[/]")}");
        }

        ResultTable.Write(results, parse.GetValue(markdown));
        return 0;
    }

    if (parse.GetValue(fraud))
    {
        var callers = parse.GetValue(httpCallers)?.FirstOrDefault() ?? 64;
        if (which is "all" or "postgres")
        {
            var pg = await (await PgServer.DurableAsync()).CreateDatabaseAsync("fraud");
            await using (var store = new PostgresLedgerStore(pg))
            {
                await store.MigrateAsync(ct);
                var ids = await new LedgerScenarios(store).SeedAsync("bench", rows);
                await store.ExecuteAsync("ANALYZE", ct);
                await store.DisposeAsync();
                results.AddRange(await FraudScenarios.RunAsync("PostgreSQL", pg, ids, callers, warmup, duration));
            }
        }

        if (which is "all" or "sqlite")
        {
            var directory = Directory.CreateTempSubdirectory("tally-fraud-");
            try
            {
                var path = Path.Combine(directory.FullName, "fraud.db");
                string[] ids;
                await using (var store = new SqliteLedgerStore(path))
                {
                    await store.MigrateAsync(ct);
                    ids = await new LedgerScenarios(store).SeedAsync("bench", rows);
                }

                results.AddRange(await FraudScenarios.RunAsync("SQLite", $"sqlite:{path}", ids, callers, warmup, duration));
            }
            finally
            {
                directory.Delete(recursive: true);
            }
        }

        ResultTable.Write(results, parse.GetValue(markdown));
        return 0;
    }

    if (parse.GetValue(outbox))
    {
        var callers = parse.GetValue(httpCallers)?.FirstOrDefault() ?? 64;
        if (which is "all" or "postgres")
        {
            var pg = await (await PgServer.DurableAsync()).CreateDatabaseAsync("outbox");
            await using (var store = new PostgresLedgerStore(pg))
            {
                await store.MigrateAsync(ct);
                var ids = await new LedgerScenarios(store).SeedAsync("bench", rows);
                await store.ExecuteAsync("ANALYZE", ct);
                await store.DisposeAsync();
                results.AddRange(await OutboxScenarios.RunAsync("PostgreSQL", pg, ids, callers, warmup, duration));
            }
        }

        if (which is "all" or "sqlite")
        {
            var directory = Directory.CreateTempSubdirectory("tally-outbox-");
            try
            {
                var path = Path.Combine(directory.FullName, "outbox.db");
                string[] ids;
                await using (var store = new SqliteLedgerStore(path))
                {
                    await store.MigrateAsync(ct);
                    ids = await new LedgerScenarios(store).SeedAsync("bench", rows);
                }

                results.AddRange(await OutboxScenarios.RunAsync("SQLite", $"sqlite:{path}", ids, callers, warmup, duration));
            }
            finally
            {
                directory.Delete(recursive: true);
            }
        }

        ResultTable.Write(results, parse.GetValue(markdown));
        return 0;
    }

    if (which is "all" or "postgres")
    {
        var server = await PgServer.DurableAsync();
        var connectionString = await server.CreateDatabaseAsync("bench");
        await PgBench.PrepareAsync(connectionString, rows);
        var skip = parse.GetValue(skipBaseline);
        var pgRandom = skip ? new LoadResult("pgbench skipped", 1, 0, TimeSpan.FromSeconds(1), 0, 0) : await PgBench.RunAsync($"pgbench random rows, c={c}", connectionString, c, rows, duration);
        var pgHot = skip ? pgRandom : await PgBench.RunAsync($"pgbench one hot row, c={h}", connectionString, h, 1, duration);
        results.Add(new ResultRow(pgRandom, "baseline", null));
        results.Add(new ResultRow(pgHot, "baseline", null));

        await using var store = new PostgresLedgerStore(connectionString);
        await store.MigrateAsync(ct);
        var scenarios = new LedgerScenarios(store, parse.GetValue(lanes));
        var ids = await scenarios.SeedAsync("bench", rows);
        var hot = (await scenarios.SeedAsync("hot", 1))[0];
        // Steady state: statistics as autovacuum would have them after the seeding, so prepared
        // statements are planned for tables of this size rather than the empty ones of a fresh schema.
        await store.ExecuteAsync("ANALYZE", ct);
        var random = await scenarios.ChargeRandomAsync($"library PostgreSQL random accounts, c={c}", ids, c, warmup, duration);
        results.Add(new ResultRow(random, "≥ 1.5× pgbench random", random.PerSecond / pgRandom.PerSecond / 1.5));
        var hotResult = await scenarios.ChargeHotAsync($"library PostgreSQL one hot account, c={h}", hot, h, warmup, duration);
        results.Add(new ResultRow(hotResult, "≥ 6× pgbench hot row", hotResult.PerSecond / pgHot.PerSecond / 6));
        await RunRulesAsync("PostgreSQL", store, ids, hot);
        await store.DisposeAsync();
        await RunHttpAsync("PostgreSQL", connectionString, ids, random);
        await using var check = new PostgresLedgerStore(connectionString);
        var report = await new LedgerScenarios(check).Ledger.VerifyAsync(ct);
        AnsiConsole.MarkupLine($"PostgreSQL verify after the runs: {(report.Ok ? "[green]0 violations[/]" : $"[red]{report.Violations.Count} violations[/]")}");
    }

    if (which is "all" or "sqlite")
    {
        var directory = Directory.CreateTempSubdirectory("tally-bench-");
        try
        {
            await using var store = new SqliteLedgerStore(Path.Combine(directory.FullName, "bench.db"));
            await store.MigrateAsync(ct);
            var scenarios = new LedgerScenarios(store, parse.GetValue(lanes));
            var ids = await scenarios.SeedAsync("bench", rows);
            var hot = (await scenarios.SeedAsync("hot", 1))[0];
            await using var log = new LogWatcher(store.Path + "-wal");
            var random = await scenarios.ChargeRandomAsync($"library SQLite random accounts, c={c}", ids, c, warmup, duration);
            results.Add(new ResultRow(random, "≥ 20,000/s", random.PerSecond / 20_000));
            var hotResult = await scenarios.ChargeHotAsync($"library SQLite one hot account, c={h}", hot, h, warmup, duration);
            results.Add(new ResultRow(hotResult, "≥ 20,000/s", hotResult.PerSecond / 20_000));
            await RunRulesAsync("SQLite", store, ids, hot);
            await RunHttpAsync("SQLite", $"sqlite:{store.Path}", ids, random);
            var report = await scenarios.Ledger.VerifyAsync(ct);
            AnsiConsole.MarkupLine($"SQLite verify after the runs: {(report.Ok ? "[green]0 violations[/]" : $"[red]{report.Violations.Count} violations[/]")}");
            AnsiConsole.MarkupLine($"SQLite write-ahead log: largest {log.LargestBytes / (1024.0 * 1024):N1} MiB during the runs (rewound at 256 MiB; the writer's bound is twice that)");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    // Rules (--rules): feature charges without rules, then with a first-use discount and a daily
    // allowance on the feature (usage rows loaded with each account and checked; after an account's
    // first few charges neither changes the amount), so the difference is the rules' own cost.
    async Task RunRulesAsync(string store, ILedgerStore ledgerStore, string[] ids, string hot)
    {
        if (!parse.GetValue(rules))
        {
            return;
        }

        var plain = new LedgerScenarios(ledgerStore, parse.GetValue(lanes));
        await plain.EnsureRuleFeatureAsync();
        var ruled = new LedgerScenarios(ledgerStore, parse.GetValue(lanes), LedgerScenarios.BenchRules());

        // Steady state: every account has used its first use and most of its allowance, and the
        // usage table has statistics (what autovacuum does within a minute of the rows appearing;
        // analyzed empty, a forced generic plan scans it whole on every load).
        await ruled.PrimeRulesAsync(ids, hot);
        if (ledgerStore is PostgresLedgerStore pg)
        {
            await pg.ExecuteAsync("ANALYZE", CancellationToken.None);
        }

        var plainRandom = await plain.ChargeFeatureRandomAsync($"library {store} feature charges, random, no rules, c={c}", ids, c, warmup, duration);
        results.Add(new ResultRow(plainRandom, "baseline", null));
        var ruledRandom = await ruled.ChargeFeatureRandomAsync($"library {store} feature charges, random, first use + allowance, c={c}", ids, c, warmup, duration);
        results.Add(new ResultRow(ruledRandom, "no rules", ruledRandom.PerSecond / plainRandom.PerSecond));
        var plainHot = await plain.ChargeFeatureHotAsync($"library {store} feature charges, hot, no rules, c={h}", hot, h, warmup, duration);
        results.Add(new ResultRow(plainHot, "baseline", null));
        var ruledHot = await ruled.ChargeFeatureHotAsync($"library {store} feature charges, hot, first use + allowance, c={h}", hot, h, warmup, duration);
        results.Add(new ResultRow(ruledHot, "no rules", ruledHot.PerSecond / plainHot.PerSecond));
    }

    // HTTP end to end over the same database: the peak (closed loops of increasing size, the best
    // one counts: HTTP adds latency per call, so it needs more calls in flight than the library to
    // reach its ceiling) against the library's random figure, then an open loop at half that peak
    // for the latency target.
    async Task RunHttpAsync(string store, string database, string[] ids, LoadResult library)
    {
        await using var http = await HttpScenarios.StartAsync(database, parse.GetValue(httpClient));
        LoadResult? peak = null;
        foreach (var callers in parse.GetValue(httpCallers) ?? [c])
        {
            var run = await http.ChargeRandomAsync($"HTTP {store} random accounts, c={callers} (peak)", ids, callers, warmup, duration);
            if (peak is null || run.PerSecond > peak.PerSecond)
            {
                peak = run;
            }
        }

        results.Add(new ResultRow(peak!, "≥ 60 % of library", peak!.PerSecond / library.PerSecond / 0.6));
        var rate = parse.GetValue(httpRate) ?? peak.PerSecond / 2;
        var label = parse.GetValue(httpRate) is null ? "at half peak" : "at a set rate";
        var half = await http.ChargeAtRateAsync($"HTTP {store} {label} ({rate:N0}/s offered)", ids, rate, duration);
        results.Add(new ResultRow(half, "p99 < 10 ms", 10 / half.P99Ms));
    }

    ResultTable.Write(results, parse.GetValue(markdown));
    return 0;
});

// One database per store for an SSE run (SQLite in a temporary directory left for the OS to clean).
static async Task<List<(string Store, string Database)>> SseDatabasesAsync(string which, int listeners)
{
    var databases = new List<(string, string)>();
    if (which is "all" or "postgres")
    {
        databases.Add(("PostgreSQL", await (await PgServer.DurableAsync()).CreateDatabaseAsync($"sse{listeners}")));
    }

    if (which is "all" or "sqlite")
    {
        databases.Add(("SQLite", $"sqlite:{Path.Combine(Directory.CreateTempSubdirectory("tally-sse-").FullName, "sse.db")}"));
    }

    return databases;
}
return await root.Parse(args).InvokeAsync();
