using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Postgres;
using Tally.Ledger.Sqlite;
using Tally.Ledger.Storage;

// usage: crashhost <sqlite:path | postgres connection string> <account>
// Prints "ack <idempotency key> <entry id>" for every charge the ledger acknowledged, then
// flushes, so whatever the test reads before killing us was acknowledged.
var database = args[0];
var account = args[1];
ILedgerStore store = database.StartsWith("sqlite:", StringComparison.Ordinal)
    ? new SqliteLedgerStore(database["sqlite:".Length..])
    : new PostgresLedgerStore(database);
var ledger = new CreditLedger(store, new LedgerOptions { InitialAmount = 0, GroupCommit = true }, TimeProvider.System);
var output = TextWriter.Synchronized(Console.Out);
var next = 0;
await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(async () =>
{
    while (true)
    {
        var key = $"crash-{Interlocked.Increment(ref next)}";
        var charge = new Charge(account, Price.Of(new Credits(1)));
        var outcome = await ledger.ExecuteAsync(LedgerRequest.Of(charge, RequestIdempotency.For(key, [charge])));
        if (outcome.Single is EntryResult result)
        {
            output.WriteLine($"ack {key} {LedgerIds.Entry(result.Entry.Id)}");
            output.Flush();
        }
    }
})));
