using Shouldly;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Xunit;

namespace Tally.Ledger.Tests;

public sealed class ModelTests
{
    [Fact]
    public void Ids_minted_in_the_same_millisecond_still_sort_in_creation_order()
    {
        var now = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(0, 10_000).Select(_ => LedgerIds.New(now)).ToList();

        ids.ShouldBe(ids.Order().ToList());
        ids.Select(LedgerIds.Entry).ShouldBe(ids.Select(LedgerIds.Entry).Order(StringComparer.Ordinal).ToList());
        ids.Distinct().Count().ShouldBe(ids.Count);
        ids[0].Version.ShouldBe(7);
    }

    [Fact]
    public void Public_ids_parse_back_and_reject_other_kinds()
    {
        var id = LedgerIds.New(DateTimeOffset.UtcNow);

        LedgerIds.TryParseEntry(LedgerIds.Entry(id), out var entry).ShouldBeTrue();
        entry.ShouldBe(id);
        LedgerIds.TryParseHold(LedgerIds.Entry(id), out _).ShouldBeFalse();
        LedgerIds.TryParseEntry("ent_not-hex", out _).ShouldBeFalse();
        LedgerIds.TryParseEntry(null, out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData("user_42", true)]
    [InlineData("a-b.c:d@e", true)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    [InlineData("ünïcode", false)]
    [InlineData("slash/no", false)]
    public void Account_ids_allow_letters_digits_and_a_few_marks(string id, bool valid)
    {
        AccountIds.IsValid(id).ShouldBe(valid);
    }

    [Fact]
    public void Outcomes_survive_the_idempotency_codec()
    {
        var unit = new UnitInfo("credits", 0);
        var entry = new EntryView(Guid.CreateVersion7(), "a", 3, EntryType.Charge, unit, new Credits(-5), new Credits(10), "f", new Micros(2_000_000),
            "d", "r", "{}", "key_1", null, null, null, DateTimeOffset.UnixEpoch);
        var outcome = new RequestOutcome([new EntryResult(entry, new BalanceView(unit, new(10), new(0), new(10), null)), new InsufficientCredits(unit, new(1), new(2))], 1);

        var back = OutcomeCodec.Decode(OutcomeCodec.Encode(outcome));

        back.FailedIndex.ShouldBe(1);
        back.Results[0].ShouldBe(outcome.Results[0]);
        back.Results[1].ShouldBe(outcome.Results[1]);
    }

    [Fact]
    public void A_clawback_result_survives_the_idempotency_codec_with_what_it_owed_and_why_it_froze()
    {
        var unit = new UnitInfo("credits", 0);
        var entry = new EntryView(Guid.CreateVersion7(), "a", 4, EntryType.Clawback, unit, new Credits(-9), new Credits(-3), null, null,
            "refund", "rfd_1", "{}", "system", null, null, null, DateTimeOffset.UnixEpoch);
        var balance = new BalanceView(unit, new(-3), new(0), new(-3), null);
        var outcome = new RequestOutcome(
            [new ClawbackResult(entry, new(9), new(0), balance) { Owed = new(3), FreezeReason = Clawback.DebtFreezeReason }, new ClawbackResult(null, new(0), new(5), balance)],
            null);

        var back = OutcomeCodec.Decode(OutcomeCodec.Encode(outcome));

        back.Results[0].ShouldBe(outcome.Results[0]);
        back.Results[1].ShouldBe(outcome.Results[1]);
        back.Results[0].ShouldBeOfType<ClawbackResult>().Owed.Minor.ShouldBe(3);
    }

    [Fact]
    public void Clawback_fingerprints_tell_the_policies_apart()
    {
        LedgerCommand clamp = new Clawback("x", new Credits(5), LotReference: "pay_1");
        LedgerCommand debt = new Clawback("x", new Credits(5), LotReference: "pay_1", Policy: ClawbackPolicy.Debt);

        OutcomeCodec.Fingerprint([clamp], BatchMode.Atomic).ShouldBe(OutcomeCodec.Fingerprint([new Clawback("x", new Credits(5), LotReference: "pay_1")], BatchMode.Atomic));
        OutcomeCodec.Fingerprint([clamp], BatchMode.Atomic).ShouldNotBe(OutcomeCodec.Fingerprint([debt], BatchMode.Atomic));
    }

    [Fact]
    public void Fingerprints_differ_for_different_requests_and_match_for_equal_ones()
    {
        LedgerCommand a = new Charge("x", Price.Of(new Credits(1)));
        LedgerCommand b = new Charge("x", Price.Of(new Credits(2)));

        OutcomeCodec.Fingerprint([a], BatchMode.Atomic).ShouldBe(OutcomeCodec.Fingerprint([new Charge("x", Price.Of(new Credits(1)))], BatchMode.Atomic));
        OutcomeCodec.Fingerprint([a], BatchMode.Atomic).ShouldNotBe(OutcomeCodec.Fingerprint([b], BatchMode.Atomic));
        OutcomeCodec.Fingerprint([a], BatchMode.Atomic).ShouldNotBe(OutcomeCodec.Fingerprint([a], BatchMode.Independent));
    }

    [Fact]
    public void Invalid_options_name_the_setting()
    {
        new LedgerOptions { MaxBalance = 0 }.Validate()!.Value.Setting.ShouldBe("MaxBalance");
        new LedgerOptions { InitialAmount = -1 }.Validate()!.Value.Setting.ShouldBe("InitialAmount");
        new LedgerOptions { IdempotencyRetention = TimeSpan.FromHours(1) }.Validate()!.Value.Setting.ShouldBe("IdempotencyRetention");
        new LedgerOptions().Validate().ShouldBeNull();
    }
}
