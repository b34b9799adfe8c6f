using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Tally.Ledger.Fraud;
using Tally.Ledger.Storage;
using Tally.Payments;
using Tally.Payments.Pricing;
using Tally.Server.Features.Fraud;
using Tally.Server.Hosting;
using Tally.TestSupport.Postgres;
using Tally.TestSupport.Server;
using Xunit;

namespace Tally.Server.Tests;

/// <summary>
/// A server with a fake clock, webhooks to loopback, and the fraud detector's background service
/// off: tests run detector passes themselves (each with the settings it needs), so every flag has
/// one known cause. A second instance with the detector on covers the change-feed path.
/// </summary>
public abstract class FraudServerFixture : ServerFixture, IClockedServer
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public string Database { get; private set; } = "";

    protected abstract Task<string> NewDatabaseAsync();

    protected sealed override async Task<string> DatabaseAsync() => Database = await NewDatabaseAsync();

    protected override IEnumerable<string> Settings() =>
    [
        "--TALLY_WEBHOOKS_ALLOW_PRIVATE_URLS=true", "--TALLY_WEBHOOK_TIMEOUT_SECONDS=5", "--TALLY_WEBHOOK_POLL_MS=50",
        "--CREDIT_ENABLE_FRAUD_DETECTION=false", "--CREDIT_SUSPICIOUS_THRESHOLD=1000", "--CREDIT_RATE_LIMIT_WINDOW=3600000",
    ];

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);

    public IFraudStore Fraud => Services.GetRequiredService<IFraudStore>();

    public IPaymentStore Payments => Services.GetRequiredService<IPaymentStore>();

    public FraudSettings Settings0 => Services.GetRequiredService<FraudSettings>();

    /// <summary>A detector of this server's store, as another instance would run it, with <paramref name="autoFreeze"/>.</summary>
    public FraudDetector Detector(bool autoFreeze = false) => new(
        Fraud, Services.GetRequiredService<ILedgerStore>(), Ledger, Settings0 with { Enabled = true, AutoFreeze = autoFreeze }, Clock, NullLogger<FraudDetector>.Instance);
}

public sealed class SqliteFraudServer : FraudServerFixture
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tally-server-fraud-").FullName;

    protected override Task<string> NewDatabaseAsync() => Task.FromResult($"sqlite:{Path.Combine(_directory, "tally.db")}");
}

public sealed class PostgresFraudServer : FraudServerFixture
{
    protected override async Task<string> NewDatabaseAsync() => await (await PgServer.SharedAsync()).CreateDatabaseAsync("server_fraud");
}

/// <summary>Fraud detection end to end over a real server (docs/fraud.md).</summary>
public abstract class FraudTests<TFixture>(TFixture server)
    where TFixture : FraudServerFixture
{
    protected TFixture Server { get; } = server;

    protected HttpClient Admin { get; } = server.Client();

    private async Task ChargeAsync(string account, decimal amount) =>
        (await Admin.PostAsync($"/v1/accounts/{account}/charges", new { amount })).Is(201);

    private async Task<List<System.Text.Json.Nodes.JsonNode>> FlagsAsync(string account, string status = "all") =>
        (await Admin.FetchAsync($"/v1/accounts/{account}/fraud-flags?status={status}")).Is(200).Json["data"]!.AsArray().Select(n => n!).ToList();

    private async Task<bool> FrozenAsync(string account) =>
        (await Admin.FetchAsync($"/v1/accounts/{account}")).Is(200).Node("frozen").GetValue<bool>();

    [Fact]
    public async Task Consumption_exactly_at_the_threshold_is_not_flagged_one_credit_more_is_once()
    {
        var account = await Admin.FundedAsync(5000);
        var detector = Server.Detector();
        await ChargeAsync(account, 400);
        await ChargeAsync(account, 600); // 1,000: at the threshold, not above

        (await detector.CheckVelocityAsync([account], CancellationToken.None)).ShouldBe(0);
        (await FlagsAsync(account)).ShouldBeEmpty();

        await ChargeAsync(account, 1);
        (await detector.CheckVelocityAsync([account], CancellationToken.None)).ShouldBe(1);
        (await detector.CheckVelocityAsync([account], CancellationToken.None)).ShouldBe(0); // one open flag per account and kind

        var flag = (await FlagsAsync(account)).ShouldHaveSingleItem();
        flag["kind"]!.GetValue<string>().ShouldBe("velocity");
        flag["status"]!.GetValue<string>().ShouldBe("open");
        flag["evidence"]!["consumed"]!.GetValue<decimal>().ShouldBe(1001);
        flag["evidence"]!["threshold"]!.GetValue<long>().ShouldBe(1000);
        flag["evidence"]!["entries"]!.GetValue<long>().ShouldBe(3);
        flag["evidence"]!["entryIds"]!.AsArray().Count.ShouldBe(3);
        (await Admin.FetchAsync($"/v1/fraud-flags/{flag["id"]!.GetValue<string>()}")).Is(200).Node("account").GetValue<string>().ShouldBe(account);
        (await Admin.FetchAsync($"/v1/fraud-flags?account={account}")).Is(200).Json["data"]!.AsArray().Count.ShouldBe(1);
        (await FrozenAsync(account)).ShouldBeFalse(); // auto-freeze off
    }

    [Fact]
    public async Task The_window_slides_with_the_clock()
    {
        var account = await Admin.FundedAsync(5000);
        var detector = Server.Detector();
        await ChargeAsync(account, 600);
        Server.Clock.Advance(TimeSpan.FromMinutes(61)); // the first charge leaves the hour
        await ChargeAsync(account, 600);
        (await detector.CheckVelocityAsync([account], CancellationToken.None)).ShouldBe(0);

        Server.Clock.Advance(TimeSpan.FromMinutes(30));
        await ChargeAsync(account, 401); // 600 + 401 within the hour
        (await detector.CheckVelocityAsync([account], CancellationToken.None)).ShouldBe(1);
        (await FlagsAsync(account)).ShouldHaveSingleItem()["evidence"]!["consumed"]!.GetValue<decimal>().ShouldBe(1001);
    }

    [Fact]
    public async Task The_window_kept_between_passes_adds_only_new_entries_and_an_exact_sum_decides_at_its_edge()
    {
        var account = await Admin.FundedAsync(5000);
        var detector = Server.Detector();
        var intoMinute = Server.Clock.GetUtcNow().UtcTicks % TimeSpan.TicksPerMinute;
        Server.Clock.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerMinute - intoMinute) + TimeSpan.FromSeconds(10)); // hh:mm:10
        await ChargeAsync(account, 600);
        (await detector.CheckVelocityAsync([account], CancellationToken.None)).ShouldBe(0);
        (await detector.CheckVelocityAsync([account], CancellationToken.None)).ShouldBe(0); // nothing new: the 600 is not counted twice
        (await detector.CheckVelocityAsync([account], CancellationToken.None)).ShouldBe(0);
        detector.WindowsHeld.ShouldBe(1);

        // An hour and 10 s later the 600 has left the window, but its minute has not quite: the
        // per-minute sum says 1,001, the exact sum 401, and nothing is flagged.
        Server.Clock.Advance(TimeSpan.FromMinutes(60) + TimeSpan.FromSeconds(10));
        await ChargeAsync(account, 401);
        (await detector.CheckVelocityAsync([account], CancellationToken.None)).ShouldBe(0);
        await ChargeAsync(account, 600);
        (await detector.CheckVelocityAsync([account], CancellationToken.None)).ShouldBe(1);
        (await FlagsAsync(account)).ShouldHaveSingleItem()["evidence"]!["consumed"]!.GetValue<decimal>().ShouldBe(1001);

        Server.Clock.Advance(TimeSpan.FromHours(2)); // idle for a window: forgotten
        (await detector.CheckVelocityAsync([account], CancellationToken.None)).ShouldBe(0);
        detector.WindowsHeld.ShouldBe(0);
    }

    [Fact]
    public async Task Auto_freeze_freezes_through_the_ledger_and_clearing_with_unfreeze_lifts_it()
    {
        var account = await Admin.FundedAsync(5000);
        await ChargeAsync(account, 1500);
        (await Server.Detector(autoFreeze: true).CheckVelocityAsync([account], CancellationToken.None)).ShouldBe(1);
        (await FrozenAsync(account)).ShouldBeTrue();
        (await Admin.PostAsync($"/v1/accounts/{account}/charges", new { amount = 1 })).IsProblem(423, "account_frozen");

        var id = (await FlagsAsync(account)).Single()["id"]!.GetValue<string>();
        (await Admin.PostAsync($"/v1/fraud-flags/{id}/clear", new { reason = "known customer" })).Is(200);
        (await FrozenAsync(account)).ShouldBeTrue(); // clearing alone does not unfreeze

        var other = await Admin.FundedAsync(5000);
        await ChargeAsync(other, 1500);
        await Server.Detector(autoFreeze: true).CheckVelocityAsync([other], CancellationToken.None);
        var otherId = (await FlagsAsync(other)).Single()["id"]!.GetValue<string>();
        (await Admin.PostAsync($"/v1/fraud-flags/{otherId}/clear", new { reason = "load test", unfreeze = true })).Is(200);
        (await FrozenAsync(other)).ShouldBeFalse();
        await ChargeAsync(other, 1);
    }

    [Fact]
    public async Task Clearing_is_validated_audited_idempotent_and_a_new_flag_needs_new_evidence()
    {
        var account = await Admin.FundedAsync(5000);
        var detector = Server.Detector();
        await ChargeAsync(account, 1200);
        await detector.CheckVelocityAsync([account], CancellationToken.None);
        var id = (await FlagsAsync(account)).Single()["id"]!.GetValue<string>();

        (await Admin.PostAsync($"/v1/fraud-flags/{id}/clear", new { })).IsProblem(400, "validation_failed").Json["errors"]!["reason"].ShouldNotBeNull();
        (await Admin.PostAsync($"/v1/fraud-flags/{id}/clear", new { reason = new string('x', 501) })).IsProblem(400, "validation_failed");
        (await Admin.PostAsync($"/v1/fraud-flags/{id}/clear", new { reason = "ok", extra = 1 })).Is(400);
        (await Admin.PostAsync("/v1/fraud-flags/flag_nope/clear", new { reason = "ok" })).IsProblem(404, "not_found");
        (await Admin.FetchAsync("/v1/fraud-flags/flag_nope")).IsProblem(404, "not_found");
        (await Admin.FetchAsync("/v1/fraud-flags?status=maybe")).IsProblem(400, "validation_failed").Json["errors"]!["status"].ShouldNotBeNull();
        (await Admin.FetchAsync("/v1/fraud-flags?limit=0")).IsProblem(400, "validation_failed");
        (await Server.Client(null).FetchAsync("/v1/fraud-flags")).Is(401);

        var cleared = (await Admin.PostAsync($"/v1/fraud-flags/{id}/clear", new { reason = "verified by phone" })).Is(200);
        cleared.Node("status").GetValue<string>().ShouldBe("cleared");
        cleared.Node("clearReason").GetValue<string>().ShouldBe("verified by phone");
        cleared.Node("clearedBy").GetValue<string>().ShouldNotBeNullOrEmpty();
        Server.Clock.Advance(TimeSpan.FromSeconds(1));
        var again = (await Admin.PostAsync($"/v1/fraud-flags/{id}/clear", new { reason = "second thoughts" })).Is(200);
        again.Node("clearReason").GetValue<string>().ShouldBe("verified by phone");
        again.Node("clearedAt").GetValue<string>().ShouldBe(cleared.Node("clearedAt").GetValue<string>());
        var audit = await Server.Access.ReadAuditAsync(200, CancellationToken.None);
        audit.Count(a => a.Target?.Contains(id, StringComparison.Ordinal) == true && a.Status == 200).ShouldBe(2);
        (await Admin.FetchAsync($"/v1/fraud-flags?account={account}")).Is(200).Json["data"]!.AsArray().ShouldBeEmpty(); // open ones by default
        (await Admin.FetchAsync($"/v1/fraud-flags?account={account}&status=cleared")).Is(200).Json["data"]!.AsArray().Count.ShouldBe(1);

        // The consumption that tripped it was cleared: only what comes after counts.
        (await detector.CheckVelocityAsync([account], CancellationToken.None)).ShouldBe(0);
        await ChargeAsync(account, 1000);
        (await detector.CheckVelocityAsync([account], CancellationToken.None)).ShouldBe(0);
        await ChargeAsync(account, 1);
        (await detector.CheckVelocityAsync([account], CancellationToken.None)).ShouldBe(1);
        var flags = await FlagsAsync(account);
        flags.Count.ShouldBe(2);
        flags[0]["status"]!.GetValue<string>().ShouldBe("open");
        flags[0]["evidence"]!["consumed"]!.GetValue<decimal>().ShouldBe(1001);
    }

    private async Task<PaymentRecord> PaymentAsync(string account, PaymentStatus status)
    {
        var now = Server.Clock.GetUtcNow();
        var payment = new PaymentRecord($"pay_{Guid.NewGuid():N}", account, PaymentKind.Custom, null, null, 100, new Money(500, "USD"), status,
            "dodo", $"dodo_{Guid.NewGuid():N}", null, null, 0, 0, 0, null, now, now);
        await Server.Payments.CreatePaymentAsync(payment, CancellationToken.None);
        return payment;
    }

    private Task EffectAsync(PaymentRecord payment, PaymentEffectKind kind) =>
        Server.Payments.RecordEffectAsync(new PaymentEffect($"effect-{Guid.NewGuid():N}", payment.Id, kind, 100, 10, 0, Server.Clock.GetUtcNow()), CancellationToken.None);

    [Fact]
    public async Task Failed_payments_refunds_and_disputes_flag_at_their_limits()
    {
        var detector = Server.Detector();
        var failing = await Admin.FundedAsync(10);
        await PaymentAsync(failing, PaymentStatus.Failed);
        await PaymentAsync(failing, PaymentStatus.Failed);
        await detector.ScanPaymentsAsync(CancellationToken.None);
        (await FlagsAsync(failing)).ShouldBeEmpty();
        Server.Clock.Advance(TimeSpan.FromHours(25)); // the first two leave the 24 h window
        await PaymentAsync(failing, PaymentStatus.Failed);
        await detector.ScanPaymentsAsync(CancellationToken.None);
        (await FlagsAsync(failing)).ShouldBeEmpty();
        await PaymentAsync(failing, PaymentStatus.Failed);
        await PaymentAsync(failing, PaymentStatus.Failed);
        await detector.ScanPaymentsAsync(CancellationToken.None);
        var failed = (await FlagsAsync(failing)).ShouldHaveSingleItem();
        failed["kind"]!.GetValue<string>().ShouldBe("failed_payments");
        failed["evidence"]!["count"]!.GetValue<int>().ShouldBe(3);
        failed["evidence"]!["payments"]!.AsArray().Count.ShouldBe(3);

        var refunding = await Admin.FundedAsync(10);
        var paid = await PaymentAsync(refunding, PaymentStatus.Succeeded);
        await EffectAsync(paid, PaymentEffectKind.Refund);
        await detector.ScanPaymentsAsync(CancellationToken.None);
        (await FlagsAsync(refunding)).ShouldBeEmpty();
        await EffectAsync(await PaymentAsync(refunding, PaymentStatus.Succeeded), PaymentEffectKind.Refund);
        await detector.ScanPaymentsAsync(CancellationToken.None);
        (await FlagsAsync(refunding)).ShouldHaveSingleItem()["kind"]!.GetValue<string>().ShouldBe("refunds");

        var disputing = await Admin.FundedAsync(10);
        var disputed = await PaymentAsync(disputing, PaymentStatus.Succeeded);
        await EffectAsync(disputed, PaymentEffectKind.Restrict);
        await detector.ScanPaymentsAsync(CancellationToken.None);
        await detector.ScanPaymentsAsync(CancellationToken.None);
        var dispute = (await FlagsAsync(disputing)).ShouldHaveSingleItem();
        dispute["kind"]!.GetValue<string>().ShouldBe("dispute");
        dispute["evidence"]!["payments"]![0]!["payment"]!.GetValue<string>().ShouldBe(disputed.Id);

        // Cleared: the same dispute does not flag again; a new one does.
        (await Admin.PostAsync($"/v1/fraud-flags/{dispute["id"]!.GetValue<string>()}/clear", new { reason = "resolved with the bank" })).Is(200);
        Server.Clock.Advance(TimeSpan.FromSeconds(1));
        await detector.ScanPaymentsAsync(CancellationToken.None);
        (await FlagsAsync(disputing, "open")).ShouldBeEmpty();
        await EffectAsync(disputed, PaymentEffectKind.DisputeLost);
        await detector.ScanPaymentsAsync(CancellationToken.None);
        (await FlagsAsync(disputing, "open")).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Refunds_and_a_dispute_through_the_DodoPayments_sandbox_flag_the_account()
    {
        var account = await Admin.FundedAsync(0);
        var package = $"pk-{Guid.NewGuid():N}"[..24];
        (await Admin.PostAsync("/v1/packages", new { id = package, name = "1000 pack", credits = 1000, price = new { amount = 1000 }, dodoProductId = $"prod_{package}" })).Is(201);
        async Task<string> BuyAsync()
        {
            var opened = (await Admin.PostAsync("/v1/checkout", new { account, packageId = package })).Is(201);
            var session = opened.Node("checkoutUrl").GetValue<string>().Split('/')[^1];
            return (await Admin.PostAsync($"/sandbox/dodo/sandbox/checkouts/{session}/pay", new { })).Is(200).Node("payment.payment_id").GetValue<string>();
        }

        var first = await BuyAsync();
        (await Admin.PostAsync($"/sandbox/dodo/sandbox/payments/{first}/refund", new { amount = 100 })).Is(200);
        var detector = Server.Detector();
        await detector.ScanPaymentsAsync(CancellationToken.None);
        (await FlagsAsync(account)).ShouldBeEmpty();

        (await Admin.PostAsync($"/sandbox/dodo/sandbox/payments/{first}/refund", new { amount = 100 })).Is(200);
        var second = await BuyAsync();
        (await Admin.PostAsync($"/sandbox/dodo/sandbox/payments/{second}/dispute", new { statuses = new[] { "opened" } })).Is(200);
        await detector.ScanPaymentsAsync(CancellationToken.None);

        var kinds = (await FlagsAsync(account)).Select(f => f["kind"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();
        kinds.ShouldBe(["dispute", "refunds"]);
        var refunds = (await FlagsAsync(account)).Single(f => f["kind"]!.GetValue<string>() == "refunds");
        refunds["evidence"]!["count"]!.GetValue<int>().ShouldBe(2);
    }

    [Fact]
    public async Task A_flag_reaches_webhook_endpoints_as_credit_fraud_flagged()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Server.Clock);
        var created = (await Admin.PostAsync("/v1/webhook-endpoints", new { url = receiver.Url, events = new[] { "credit.fraud_flagged", "account.frozen" } })).Is(201);
        receiver.Secrets.Add(created.Node("secret").GetValue<string>());
        var account = await Admin.FundedAsync(5000);
        await ChargeAsync(account, 2000);
        await Server.Detector(autoFreeze: true).CheckVelocityAsync([account], CancellationToken.None);
        var flag = (await FlagsAsync(account)).Single();

        await WaitAsync(() => receiver.EventsOf(account, "credit.fraud_flagged").Any() && receiver.EventsOf(account, "account.frozen").Any(), "the flag and the freeze");
        var flagged = receiver.EventsOf(account, "credit.fraud_flagged").ShouldHaveSingleItem();
        flagged["data"]!["flag"]!["id"]!.GetValue<string>().ShouldBe(flag["id"]!.GetValue<string>());
        flagged["data"]!["flag"]!["kind"]!.GetValue<string>().ShouldBe("velocity");
        flagged["data"]!["flag"]!["evidence"]!["consumed"]!.GetValue<decimal>().ShouldBe(2000);
        receiver.Requests.Where(r => r.Body["data"]?["account"]?.GetValue<string>() == account).ShouldAllBe(r => r.Verified);
        (await Admin.SendAsync(HttpMethod.Delete, $"/v1/webhook-endpoints/{created.Node("id").GetValue<string>()}")).Is(204);
    }

    [Fact]
    public async Task Detectors_racing_raise_one_flag()
    {
        var account = await Admin.FundedAsync(5000);
        await ChargeAsync(account, 1500);
        var detectors = Enumerable.Range(0, 8).Select(_ => Server.Detector(autoFreeze: true)).ToList();
        var raised = await Task.WhenAll(detectors.Select(d => Task.Run(() => d.CheckVelocityAsync([account], CancellationToken.None))));
        raised.Sum().ShouldBe(1);
        (await FlagsAsync(account)).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task An_instance_with_detection_on_flags_from_the_change_feed_by_itself()
    {
        await using var second = TallyHost.Build(
            [
                "--urls", "http://127.0.0.1:0", $"--TALLY_DATABASE={Server.Database}", $"--TALLY_BOOTSTRAP_API_KEY={Server.AdminKey}",
                "--TALLY_SWEEP_INTERVAL_SECONDS=0", "--TALLY_RECONCILE_INTERVAL_SECONDS=0", "--TALLY_WEBHOOK_WORKERS=false",
                "--CREDIT_ENABLE_FRAUD_DETECTION=true", "--CREDIT_AUTO_FREEZE_SUSPICIOUS=true", "--TALLY_FRAUD_SCAN_MS=20",
                "--Logging:LogLevel:Default=Warning",
            ],
            services => services.AddSingleton<TimeProvider>(Server.Clock));
        await second.StartAsync();
        using var other = new HttpClient { BaseAddress = new Uri(second.Urls.First()) };
        other.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Server.AdminKey);
        var account = await other.FundedAsync(5000);
        (await other.PostAsync($"/v1/accounts/{account}/charges", new { amount = 999 })).Is(201);
        (await other.PostAsync($"/v1/accounts/{account}/charges", new { amount = 2 })).Is(201);

        await WaitAsync(async () => (await FlagsAsync(account)).Count == 1 && await FrozenAsync(account), "the detector to flag and freeze");
        (await FlagsAsync(account)).Single()["evidence"]!["consumed"]!.GetValue<decimal>().ShouldBe(1001);
        await second.StopAsync();
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"waited 30 s for {what}");
            }

            await Task.Delay(20);
        }
    }

    private static Task WaitAsync(Func<bool> condition, string what) => WaitAsync(() => Task.FromResult(condition()), what);
}

public sealed class SqliteFraudTests(SqliteFraudServer server) : FraudTests<SqliteFraudServer>(server), IClassFixture<SqliteFraudServer>;

public sealed class PostgresFraudTests(PostgresFraudServer server) : FraudTests<PostgresFraudServer>(server), IClassFixture<PostgresFraudServer>;
