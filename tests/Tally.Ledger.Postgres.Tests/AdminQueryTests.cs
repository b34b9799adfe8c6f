using Shouldly;
using Tally.Access;
using Tally.Payments;
using Tally.Payments.Pricing;
using Tally.TestSupport.Postgres;

namespace Tally.Ledger.Postgres.Tests;

/// <summary>The admin panel's reads on PostgreSQL: the audit log search and payments by status with their effects.</summary>
public sealed class AdminQueryTests
{
    [Fact]
    public async Task The_audit_log_is_searched_by_actor_action_target_and_time_and_paged_by_id()
    {
        await using var store = new PostgresLedgerStore(await (await PgServer.SharedAsync()).CreateDatabaseAsync("audit"));
        await store.MigrateAsync(CancellationToken.None);
        var t0 = new DateTimeOffset(2026, 1, 10, 12, 0, 0, TimeSpan.Zero);
        await store.AppendAuditAsync(new AuditRecord(t0, "admin:Ops@example.com", "UI clear fraud flag", "flag_1", 200, null, null, "50%_off"), CancellationToken.None);
        await store.AppendAuditAsync(new AuditRecord(t0.AddDays(1), "key_1", "POST /v1/packages", "starter", 201, null, null, null), CancellationToken.None);
        await store.AppendAuditAsync(new AuditRecord(t0.AddDays(2), "admin:ops@example.com", "UI create package", "pro", 201, null, null, null), CancellationToken.None);

        (await store.SearchAuditAsync(new AuditFilter(null, null, null, null, null), null, 10, CancellationToken.None)).Select(r => r.Record.Target).ShouldBe(["pro", "starter", "flag_1"]);
        (await store.SearchAuditAsync(new AuditFilter("OPS@", null, null, null, null), null, 10, CancellationToken.None)).Count.ShouldBe(2);
        (await store.SearchAuditAsync(new AuditFilter(null, "fraud", "flag_1", null, null), null, 10, CancellationToken.None)).Single().Record.Status.ShouldBe(200);
        (await store.SearchAuditAsync(new AuditFilter(null, "%", null, null, null), null, 10, CancellationToken.None)).ShouldBeEmpty();
        (await store.SearchAuditAsync(new AuditFilter(null, null, null, t0.AddDays(1), t0.AddDays(2)), null, 10, CancellationToken.None)).Single().Record.Target.ShouldBe("starter");
        var first = await store.SearchAuditAsync(new AuditFilter(null, null, null, null, null), null, 2, CancellationToken.None);
        (await store.SearchAuditAsync(new AuditFilter(null, null, null, null, null), first[^1].Id, 2, CancellationToken.None)).Single().Record.Target.ShouldBe("flag_1");
    }

    [Fact]
    public async Task Payments_are_searched_by_account_and_status_and_list_their_effects()
    {
        await using var store = new PostgresLedgerStore(await (await PgServer.SharedAsync()).CreateDatabaseAsync("payments"));
        await store.MigrateAsync(CancellationToken.None);
        var now = new DateTimeOffset(2026, 1, 10, 12, 0, 0, TimeSpan.Zero);
        PaymentRecord Payment(string id, string account, PaymentStatus status) => new(id, account, PaymentKind.Package, "starter", null, 500, new Money(999, "USD"), status,
            "dodo", "p_" + id, null, null, 0, 0, 0, null, now, now);
        await store.CreatePaymentAsync(Payment("pay_1", "alice", PaymentStatus.Succeeded), CancellationToken.None);
        await store.CreatePaymentAsync(Payment("pay_2", "alice", PaymentStatus.Pending), CancellationToken.None);
        await store.CreatePaymentAsync(Payment("pay_3", "bob", PaymentStatus.Succeeded), CancellationToken.None);
        await store.RecordEffectAsync(new PaymentEffect("refund:r1", "pay_1", PaymentEffectKind.Refund, 100, 50, 0, now.AddMinutes(1)), CancellationToken.None);

        (await store.SearchPaymentsAsync(null, null, null, 10, CancellationToken.None)).Select(p => p.Id).ShouldBe(["pay_3", "pay_2", "pay_1"]);
        (await store.SearchPaymentsAsync("alice", PaymentStatus.PartiallyRefunded, null, 10, CancellationToken.None)).Single().Id.ShouldBe("pay_1");
        (await store.SearchPaymentsAsync(null, PaymentStatus.Succeeded, null, 10, CancellationToken.None)).Single().Id.ShouldBe("pay_3");
        (await store.SearchPaymentsAsync(null, null, "pay_2", 10, CancellationToken.None)).Single().Id.ShouldBe("pay_1");
        var effect = (await store.ListPaymentEffectsAsync("pay_1", CancellationToken.None)).Single();
        effect.Kind.ShouldBe(PaymentEffectKind.Refund);
        effect.Amount.ShouldBe(100);
        effect.At.ShouldBe(now.AddMinutes(1));
    }
}
