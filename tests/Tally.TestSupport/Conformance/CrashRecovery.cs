using System.Diagnostics;
using Shouldly;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Storage;

namespace Tally.TestSupport.Conformance;

/// <summary>
/// Kill -9 in the middle of group-committed charges: every charge the ledger acknowledged before
/// the kill must be in the journal afterwards, exactly once, and every invariant must hold. While
/// the other process charges, this one charges the same account too (two writer processes on one
/// database), and none of its charges may be lost or double-counted either.
/// </summary>
public static class CrashRecovery
{
    public static async Task RunAsync(ILedgerStore store, string database)
    {
        var ledger = new CreditLedger(store, new LedgerOptions { InitialAmount = 0, GroupCommit = false }, TimeProvider.System);
        var account = TestLedger.NewId("crash");
        (await ledger.ExecuteAsync(new Grant(account, new Credits(1_000_000)))).ShouldBeOfType<EntryResult>();

        var host = Path.Combine(AppContext.BaseDirectory, "Tally.TestSupport.CrashHost.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(host);
        start.ArgumentList.Add(database);
        start.ArgumentList.Add(account);
        using var process = Process.Start(start)!;
        var acked = new List<(string Key, string Entry)>();
        Task<List<string>>? alongside = null;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (acked.Count < 400 && DateTime.UtcNow < deadline && await process.StandardOutput.ReadLineAsync() is { } line)
        {
            var parts = line.Split(' ');
            if (parts is ["ack", var key, var entry])
            {
                acked.Add((key, entry));
                alongside ??= ChargeAlongsideAsync(ledger, account);
            }
        }

        var local = alongside is null ? [] : await alongside;

        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        acked.Count.ShouldBeGreaterThanOrEqualTo(400, await process.StandardError.ReadToEndAsync());

        var journal = await TestLedger.AllEntriesAsync(ledger, account, EntryType.Charge);
        var ids = journal.Select(e => LedgerIds.Entry(e.Id)).ToHashSet();
        acked.ShouldAllBe(a => ids.Contains(a.Entry), "an acknowledged charge is missing after the crash");
        local.Count.ShouldBe(AlongsideCallers * AlongsideCharges);
        local.ShouldAllBe(id => ids.Contains(id), "a charge from the other writer process is missing");
        journal.Count.ShouldBeGreaterThanOrEqualTo(acked.Count);
        var balance = (await ledger.GetAccountAsync(account)).ShouldNotBeNull().Balances.Single(b => b.Unit.Key == UnitInfo.DefaultKey);
        balance.Total.Minor.ShouldBe(1_000_000 - journal.Count);
        var report = await ledger.VerifyAsync();
        report.Violations.Select(v => v.Describe()).ShouldBeEmpty();
    }

    private const int AlongsideCallers = 8;
    private const int AlongsideCharges = 25;

    private static async Task<List<string>> ChargeAlongsideAsync(CreditLedger ledger, string account)
    {
        var results = await Task.WhenAll(Enumerable.Range(0, AlongsideCallers).Select(_ => Task.Run(async () =>
        {
            var ids = new List<string>();
            for (var i = 0; i < AlongsideCharges; i++)
            {
                var outcome = await ledger.ExecuteAsync(new Charge(account, Price.Of(new Credits(1))));
                ids.Add(LedgerIds.Entry(outcome.ShouldBeOfType<EntryResult>().Entry.Id));
            }

            return ids;
        })));
        return results.SelectMany(ids => ids).ToList();
    }
}
