using Shouldly;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Storage;
using Tally.TestSupport.Conformance;

namespace Tally.TestSupport.Faults;

/// <summary>
/// A concurrent charge load through a ledger whose store fails at random points (a cutting proxy,
/// injected commit errors), then the ledger's promises checked through a healthy ledger on the same
/// database: every acknowledged charge is in the journal exactly once; every refused one and every
/// one failed with "nothing was written" is absent; one whose outcome was unknown is there at most
/// once; no entry exists that no caller was told about; every invariant holds. With idempotency
/// keys, callers retry failures with the same key (as the SDK does) until they get an answer,
/// which must then be exactly once.
/// </summary>
public static class FaultLoad
{
    public const int Callers = 12;
    public const int ChargesPerCaller = 30;

    /// <summary>What one logical charge ended as.</summary>
    public enum Ending
    {
        Charged,
        Refused,
        NothingWritten,
        OutcomeUnknown,
    }

    public sealed record Report(int Charged, int Refused, int NothingWritten, int OutcomeUnknown, int Attempts);

    /// <param name="faulty">The ledger whose store fails at random.</param>
    /// <param name="healthy">A ledger over the same database without faults, for setup and checks.</param>
    /// <param name="idempotencyKeys">Whether callers send keys and retry failures with them.</param>
    public static async Task<Report> RunAsync(CreditLedger faulty, CreditLedger healthy, bool idempotencyKeys)
    {
        var rich = TestLedger.NewId("fault");
        var poor = TestLedger.NewId("poor");
        (await healthy.ExecuteAsync(new Grant(rich, new Credits(1_000_000)))).ShouldBeOfType<EntryResult>();
        (await healthy.ExecuteAsync(new EnsureAccount(poor))).ShouldBeOfType<AccountResult>();
        var run = Guid.NewGuid().ToString("N")[..8];

        var results = await Task.WhenAll(Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
        {
            var endings = new List<(string Reference, Ending Ending, int Attempts)>();
            for (var i = 0; i < ChargesPerCaller; i++)
            {
                // Every tenth charge asks an empty account: refused, and must leave no trace.
                var account = i % 10 == 9 ? poor : rich;
                var reference = $"{run}-{caller}-{i}";
                var charge = new Charge(account, Price.Of(new Credits(1)), Reference: reference);
                var request = idempotencyKeys ? LedgerRequest.Of(charge, RequestIdempotency.For(reference, [charge])) : LedgerRequest.Of(charge);
                endings.Add(await ChargeAsync(faulty, request, idempotencyKeys, reference));
            }

            return endings;
        })));
        var endings = results.SelectMany(r => r).ToList();

        var journal = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var account in new[] { rich, poor })
        {
            foreach (var entry in await TestLedger.AllEntriesAsync(healthy, account, EntryType.Charge))
            {
                entry.Reference.ShouldNotBeNull();
                journal[entry.Reference] = journal.GetValueOrDefault(entry.Reference) + 1;
            }
        }

        foreach (var (reference, ending, _) in endings)
        {
            var count = journal.GetValueOrDefault(reference);
            switch (ending)
            {
                case Ending.Charged:
                    count.ShouldBe(1, $"acknowledged charge {reference} is in the journal {count} times");
                    break;
                case Ending.OutcomeUnknown:
                    count.ShouldBeLessThanOrEqualTo(1, $"charge {reference} with an unknown outcome is in the journal {count} times");
                    break;
                default:
                    count.ShouldBe(0, $"charge {reference} ended {ending} but is in the journal");
                    break;
            }
        }

        var told = endings.Where(e => e.Ending is Ending.Charged or Ending.OutcomeUnknown).Select(e => e.Reference).ToHashSet(StringComparer.Ordinal);
        journal.Keys.Where(r => !told.Contains(r)).ShouldBeEmpty("entries that no caller was told about");
        var balance = (await healthy.GetAccountAsync(rich)).ShouldNotBeNull().Balances.Single(b => b.Unit.Key == UnitInfo.DefaultKey);
        balance.Total.Minor.ShouldBe(1_000_000 - journal.Values.Sum());
        if (idempotencyKeys)
        {
            endings.Where(e => e.Ending is Ending.NothingWritten or Ending.OutcomeUnknown).ShouldBeEmpty("keyed callers retry until they have an answer");
        }

        return new Report(
            endings.Count(e => e.Ending == Ending.Charged),
            endings.Count(e => e.Ending == Ending.Refused),
            endings.Count(e => e.Ending == Ending.NothingWritten),
            endings.Count(e => e.Ending == Ending.OutcomeUnknown),
            endings.Sum(e => e.Attempts));
    }

    private static async Task<(string Reference, Ending Ending, int Attempts)> ChargeAsync(CreditLedger ledger, LedgerRequest request, bool retry, string reference)
    {
        const int MaxAttempts = 200;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var outcome = await ledger.ExecuteAsync(request);
                return (reference, outcome.Single is EntryResult ? Ending.Charged : Ending.Refused, attempt);
            }
            catch (StoreUnavailableException e) when (!retry || attempt == MaxAttempts)
            {
                return (reference, e is CommitOutcomeUnknownException ? Ending.OutcomeUnknown : Ending.NothingWritten, attempt);
            }
            catch (StoreUnavailableException)
            {
                // Retried with the same key, as a client that was answered 503 would.
            }
        }
    }
}
