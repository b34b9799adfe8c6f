using Tally.Ledger;
using Tally.Ledger.Storage;

namespace Tally.TestSupport.Conformance;

/// <summary>
/// Run when a fixture's shared database is torn down: after every test of the suite — the
/// concurrency and property tests included — the whole database must still satisfy every
/// invariant (what <c>tally verify</c> checks). A violation fails the test class.
/// </summary>
public static class SuiteVerification
{
    public static async Task AssertCleanAsync(ILedgerStore store)
    {
        var report = await new CreditLedger(store, new LedgerOptions(), TimeProvider.System).VerifyAsync();
        if (!report.Ok)
        {
            throw new InvalidOperationException(
                "verify after the suite found violations:\n" + string.Join('\n', report.Violations.Select(v => v.Describe())));
        }
    }
}
