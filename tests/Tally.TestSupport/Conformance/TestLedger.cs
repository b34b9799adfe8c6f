using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Storage;

namespace Tally.TestSupport.Conformance;

/// <summary>A ledger over a store under test, with a controllable clock and short verbs for tests.</summary>
public sealed class TestLedger
{
    public TestLedger(ILedgerStore store, LedgerOptions? options = null, DateTimeOffset? start = null)
    {
        Clock = new FakeTimeProvider(start ?? DateTimeOffset.UtcNow);
        Options = options ?? new LedgerOptions { InitialAmount = 0 };
        Ledger = new CreditLedger(store, Options, Clock);
    }

    public CreditLedger Ledger { get; }
    public FakeTimeProvider Clock { get; }
    public LedgerOptions Options { get; }

    public static string NewId(string prefix = "acc") => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>A new account holding exactly <paramref name="credits"/> (one grant, no signup grant unless configured).</summary>
    public async Task<string> NewAccountAsync(long credits = 0, string prefix = "acc")
    {
        var id = NewId(prefix);
        (await Ledger.ExecuteAsync(new EnsureAccount(id))).ShouldBeOfType<AccountResult>();
        if (credits > 0)
        {
            (await GrantAsync(id, credits)).ShouldBeOfType<EntryResult>();
        }

        return id;
    }

    public Task<LedgerOutcome> RunAsync(LedgerCommand command) => Ledger.ExecuteAsync(command);

    public Task<LedgerOutcome> GrantAsync(string account, long amount, int priority = Grant.DefaultPriority, DateTimeOffset? expiresAt = null, IReadOnlyList<string>? features = null, string unit = UnitInfo.DefaultKey) =>
        RunAsync(new Grant(account, new Credits(amount), unit, LotSource.Admin, priority, null, expiresAt, features));

    public Task<LedgerOutcome> ChargeAsync(string account, long amount, string unit = UnitInfo.DefaultKey) =>
        RunAsync(new Charge(account, Price.Of(new Credits(amount), unit)));

    public Task<LedgerOutcome> ChargeFeatureAsync(string account, string feature, decimal? quantity = null) =>
        RunAsync(new Charge(account, Price.OfFeature(feature, quantity is { } q ? ToMicros(q) : null)));

    public Task<LedgerOutcome> ReserveAsync(string account, long amount, int ttlSeconds = 300) =>
        RunAsync(new Reserve(account, Price.Of(new Credits(amount)), ttlSeconds));

    public async Task<BalanceView> BalanceAsync(string account, string unit = UnitInfo.DefaultKey)
    {
        var view = (await Ledger.GetAccountAsync(account)).ShouldNotBeNull();
        return view.Balances.Single(b => b.Unit.Key == unit);
    }

    public async Task<long> AvailableAsync(string account) => (await BalanceAsync(account)).Available.Minor;

    public async Task<long> TotalAsync(string account) => (await BalanceAsync(account)).Total.Minor;

    public async Task<long> SeqAsync(string account) => (await Ledger.GetAccountAsync(account)).ShouldNotBeNull().Seq;

    public Task<IReadOnlyList<EntryView>> EntriesAsync(string account) => AllEntriesAsync(Ledger, account);

    /// <summary>An account's whole journal (optionally of one type), newest first, every page read.</summary>
    public static async Task<IReadOnlyList<EntryView>> AllEntriesAsync(CreditLedger ledger, string account, EntryType? type = null)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var all = new List<EntryView>();
        long? before = null;
        while (true)
        {
            var page = (await ledger.GetEntriesAsync(new EntryQuery(account, EntryCursor.MaxLimit, before, type))).ShouldNotBeNull();
            all.AddRange(page.Entries);
            if (page.NextCursor is null)
            {
                return all;
            }

            EntryCursor.TryDecode(page.NextCursor, out var seq).ShouldBeTrue();
            before = seq;
        }
    }

    public async Task ShouldHoldInvariantsAsync()
    {
        var report = await Ledger.VerifyAsync();
        report.Violations.Select(v => v.Describe()).ShouldBeEmpty();
    }

    public async Task<FeatureInfo> NewFeatureAsync(decimal cost, string unit = UnitInfo.DefaultKey, bool active = true)
    {
        var feature = new FeatureInfo($"feat.{Guid.NewGuid():N}", ToMicros(cost), unit, "test feature", active);
        (await Ledger.Store.SaveFeatureAsync(feature, create: true, Ledger.Now(), CancellationToken.None)).ShouldBeTrue();
        return feature;
    }

    public static Micros ToMicros(decimal value) =>
        Micros.TryFrom(value, out var micros) ? micros : throw new ArgumentOutOfRangeException(nameof(value));
}
