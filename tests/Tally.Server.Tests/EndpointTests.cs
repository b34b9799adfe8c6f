using System.Net.Http.Headers;
using Shouldly;
using Xunit;
using Tally.TestSupport.Server;

namespace Tally.Server.Tests;

public abstract partial class ApiTests<TFixture>
{
    [Fact]
    public async Task Put_creates_with_the_signup_grant_then_updates()
    {
        var id = Api.NewAccount();

        var created = (await Admin.PutAsync($"/v1/accounts/{id}")).Is(201);
        var updated = (await Admin.PutAsync($"/v1/accounts/{id}", new { tier = "premium", overdraftLimit = 5, lowBalanceThreshold = 10, metadata = new { plan = "pro" } })).Is(200);

        created.Node("id").GetValue<string>().ShouldBe(id);
        created.Dec("balances.0.total").ShouldBe(100);
        updated.Node("tier").GetValue<string>().ShouldBe("premium");
        updated.Node("overdraftLimit").GetValue<long>().ShouldBe(5);
        updated.Node("metadata.plan").GetValue<string>().ShouldBe("pro");
        var read = (await Admin.FetchAsync($"/v1/accounts/{id}")).Is(200);
        read.Node("lowBalanceThreshold").GetValue<long>().ShouldBe(10);
        (await Admin.PutAsync($"/v1/accounts/{id}", new { lowBalanceThreshold = (int?)null })).Is(200).Json["lowBalanceThreshold"].ShouldBeNull();
    }

    [Fact]
    public async Task Balance_has_a_strong_etag_and_answers_304_when_unchanged()
    {
        var id = await Admin.FundedAsync(10);
        var first = (await Admin.FetchAsync($"/v1/accounts/{id}/balance")).Is(200);
        var etag = first.Message.Headers.ETag!;
        etag.IsWeak.ShouldBeFalse();
        etag.Tag.ShouldBe($"\"{first.Node("seq").GetValue<long>()}\"");

        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/v1/accounts/{id}/balance");
        conditional.Headers.IfNoneMatch.Add(etag);
        (await Admin.SendAsync(conditional)).StatusCode.ShouldBe(System.Net.HttpStatusCode.NotModified);

        await Admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 1 });
        using var again = new HttpRequestMessage(HttpMethod.Get, $"/v1/accounts/{id}/balance");
        again.Headers.IfNoneMatch.Add(etag);
        (await Admin.SendAsync(again)).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
    }

    [Fact]
    public async Task Grant_charge_refuse_and_read_history()
    {
        var id = await Admin.FundedAsync(0);

        var grant = (await Admin.PostAsync($"/v1/accounts/{id}/grants", new { amount = 50, description = "welcome", expiresAt = DateTimeOffset.UtcNow.AddDays(1) })).Is(201);
        var charge = (await Admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 30, reference = "job-1", metadata = new { job = 1 } })).Is(201);
        var refused = (await Admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 21 })).IsProblem(402, "insufficient_credits");
        var history = (await Admin.FetchAsync($"/v1/accounts/{id}/entries?limit=2")).Is(200);

        grant.Node("entry.type").GetValue<string>().ShouldBe("grant");
        grant.Node("entry.lotId").GetValue<string>().ShouldStartWith("lot_");
        charge.Node("entry.amount").GetValue<decimal>().ShouldBe(-30);
        charge.Node("entry.balanceAfter").GetValue<decimal>().ShouldBe(20);
        charge.Node("entry.metadata.job").GetValue<int>().ShouldBe(1);
        charge.Node("balance.available").GetValue<decimal>().ShouldBe(20);
        (refused.Dec("available"), refused.Dec("required")).ShouldBe((20m, 21m));
        history.Node("data.0.type").GetValue<string>().ShouldBe("charge");
        history.Json["nextCursor"].ShouldNotBeNull();
        var next = (await Admin.FetchAsync($"/v1/accounts/{id}/entries?limit=2&cursor={history.Node("nextCursor").GetValue<string>()}")).Is(200);
        next.Json["nextCursor"].ShouldBeNull();
    }

    [Fact]
    public async Task Feature_charges_check_and_catalog()
    {
        var key = $"img.{Guid.NewGuid():N}";
        (await Admin.PostAsync("/v1/features", new { key, cost = 2.5, unit = "credits", description = "an image" })).Is(201).Dec("cost").ShouldBe(2.5m);
        (await Admin.PostAsync("/v1/features", new { key, cost = 1 })).IsProblem(409, "invalid_state");
        var id = await Admin.FundedAsync(20);

        (await Admin.PostAsync($"/v1/accounts/{id}/charges", new { feature = key, quantity = 3 })).Is(201).Dec("entry.amount").ShouldBe(-8);
        var check = (await Admin.FetchAsync($"/v1/accounts/{id}/charges/check?feature={key}&quantity=5")).Is(200);
        check.Node("allowed").GetValue<bool>().ShouldBeFalse();
        check.Dec("required").ShouldBe(13);
        (await Admin.SendAsync(HttpMethod.Patch, $"/v1/features/{key}", new { active = false })).Is(200).Node("active").GetValue<bool>().ShouldBeFalse();
        (await Admin.PostAsync($"/v1/accounts/{id}/charges", new { feature = key })).IsProblem(400, "validation_failed");
        (await Admin.SendAsync(HttpMethod.Patch, "/v1/features/nope.nope", new { active = false })).IsProblem(404, "not_found");
        (await Admin.FetchAsync("/v1/features")).Is(200).Node("data").AsArray().ShouldContain(f => f!["key"]!.GetValue<string>() == key);
    }

    [Fact]
    public async Task Units_with_precision_take_decimal_amounts()
    {
        var unit = $"u{Guid.NewGuid():N}"[..16];
        (await Admin.PostAsync("/v1/units", new { key = unit, precision = 2 })).Is(201);
        (await Admin.PostAsync("/v1/units", new { key = unit, precision = 3 })).IsProblem(409, "invalid_state");
        var id = await Admin.FundedAsync(0);

        (await Admin.PostAsync($"/v1/accounts/{id}/grants", new { amount = 10.25, unit })).Is(201).Dec("balance.total").ShouldBe(10.25m);
        (await Admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 0.001, unit })).IsProblem(400, "validation_failed").Node("errors.amount");
        (await Admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 0.25, unit })).Is(201).Dec("balance.available").ShouldBe(10m);
        (await Admin.FetchAsync("/v1/units")).Is(200).Node("data").AsArray().ShouldContain(u => u!["key"]!.GetValue<string>() == unit);
    }

    [Fact]
    public async Task Holds_reserve_capture_release_and_list()
    {
        var id = await Admin.FundedAsync(100);

        var hold = (await Admin.PostAsync($"/v1/accounts/{id}/holds", new { amount = 25, ttlSeconds = 60 })).Is(201);
        var holdId = hold.Node("id").GetValue<string>();
        hold.Node("status").GetValue<string>().ShouldBe("active");
        (await Admin.FetchAsync($"/v1/accounts/{id}/balance")).Dec("balances.0.held").ShouldBe(25);
        (await Admin.FetchAsync($"/v1/accounts/{id}/holds?status=active")).Is(200).Node("data").AsArray().Count.ShouldBe(1);
        var captured = (await Admin.PostAsync($"/v1/holds/{holdId}/capture", new { amount = 10 })).Is(200);
        captured.Node("hold.status").GetValue<string>().ShouldBe("captured");
        captured.Dec("entry.amount").ShouldBe(-10);
        captured.Dec("balance.total").ShouldBe(90);
        (await Admin.PostAsync($"/v1/holds/{holdId}/release")).IsProblem(409, "invalid_state");

        var second = (await Admin.PostAsync($"/v1/accounts/{id}/holds", new { amount = 5 })).Is(201).Node("id").GetValue<string>();
        (await Admin.PostAsync($"/v1/holds/{second}/capture", new { amount = 6 })).IsProblem(400, "validation_failed");
        var released = (await Admin.PostAsync($"/v1/holds/{second}/release")).Is(200);
        released.Json["entry"].ShouldBeNull();
        released.Dec("balance.available").ShouldBe(90);
        (await Admin.PostAsync("/v1/holds/hold_nope/capture")).IsProblem(404, "not_found");
        (await Admin.PostAsync($"/v1/accounts/{id}/holds", new { amount = 1, ttlSeconds = 0 })).IsProblem(400, "validation_failed");
    }

    [Fact]
    public async Task Reverse_transfer_adjust_freeze()
    {
        var a = await Admin.FundedAsync(50);
        var b = await Admin.FundedAsync(10);
        var charge = (await Admin.PostAsync($"/v1/accounts/{a}/charges", new { amount = 20 })).Is(201).Node("entry.id").GetValue<string>();

        (await Admin.PostAsync($"/v1/entries/{charge}/reverse", new { amount = 5, reason = "partial" })).Is(201).Node("entry.type").GetValue<string>().ShouldBe("reversal");
        (await Admin.PostAsync($"/v1/entries/{charge}/reverse", new { amount = 16 })).IsProblem(409, "invalid_state");
        (await Admin.PostAsync("/v1/entries/ent_nope/reverse")).IsProblem(404, "not_found");
        var transfer = (await Admin.PostAsync("/v1/transfers", new { from = a, to = b, amount = 5 })).Is(201);
        transfer.Node("debit.type").GetValue<string>().ShouldBe("transfer_out");
        transfer.Node("credit.account").GetValue<string>().ShouldBe(b);
        (await Admin.PostAsync("/v1/transfers", new { from = a, to = a, amount = 1 })).IsProblem(400, "validation_failed");
        (await Admin.PostAsync($"/v1/accounts/{a}/adjustments", new { amount = 3 })).IsProblem(400, "validation_failed");
        (await Admin.PostAsync($"/v1/accounts/{a}/adjustments", new { amount = -3, reason = "fix" })).Is(201).Dec("entry.amount").ShouldBe(-3);
        (await Admin.PostAsync($"/v1/accounts/{a}/freeze", new { reason = "review" })).Is(200).Node("frozen").GetValue<bool>().ShouldBeTrue();
        (await Admin.PostAsync($"/v1/accounts/{a}/charges", new { amount = 1 })).IsProblem(423, "account_frozen");
        (await Admin.PostAsync("/v1/transfers", new { from = a, to = b, amount = 1 })).IsProblem(423, "account_frozen");
        (await Admin.PostAsync($"/v1/accounts/{a}/unfreeze")).Is(200).Node("frozen").GetValue<bool>().ShouldBeFalse();
        (await Admin.FetchAsync($"/v1/accounts/{a}/balance")).Dec("balances.0.total").ShouldBe(27);
        await ShouldHoldInvariantsAsync();
    }

    [Fact]
    public async Task Batches_atomic_and_independent()
    {
        var id = await Admin.FundedAsync(10);
        var failing = new object[] { new { op = "grant", account = id, amount = 5 }, new { op = "charge", account = id, amount = 5000 } };

        var atomic = (await Admin.PostAsync("/v1/batch", new { mode = "atomic", operations = failing })).IsProblem(402, "insufficient_credits");
        atomic.Node("failedIndex").GetValue<int>().ShouldBe(1);
        var independent = (await Admin.PostAsync("/v1/batch", new { mode = "independent", operations = failing })).Is(200);
        independent.Node("results.0.status").GetValue<int>().ShouldBe(201);
        independent.Node("results.1.status").GetValue<int>().ShouldBe(402);
        independent.Node("results.1.body.code").GetValue<string>().ShouldBe("insufficient_credits");
        var hold = (await Admin.PostAsync("/v1/batch", new { mode = "atomic", operations = new object[] { new { op = "reserve", account = id, amount = 4 } } })).Is(200).Node("results.0.body.id").GetValue<string>();
        (await Admin.PostAsync("/v1/batch", new { mode = "atomic", operations = new object[] { new { op = "capture", holdId = hold, amount = 2 }, new { op = "release", holdId = hold } } }))
            .IsProblem(409, "invalid_state").Node("failedIndex").GetValue<int>().ShouldBe(1);
        (await Admin.PostAsync("/v1/batch", new { mode = "atomic", operations = new object[] { new { op = "charge", account = id, amount = 1, bogus = true } } })).IsProblem(400, "malformed_request");
        (await Admin.PostAsync("/v1/batch", new { mode = "atomic", operations = new object[] { new { op = "charge", account = id, amount = -1 } } }))
            .IsProblem(400, "validation_failed").Node("failedIndex").GetValue<int>().ShouldBe(0);
        (await Admin.PostAsync("/v1/batch", new { mode = "sometimes", operations = failing })).IsProblem(400, "validation_failed");
        (await Admin.PostAsync("/v1/batch", new { mode = "atomic", operations = Array.Empty<object>() })).IsProblem(400, "validation_failed");
        (await Admin.FetchAsync($"/v1/accounts/{id}/balance")).Dec("balances.0.total").ShouldBe(15);
    }

    [Fact]
    public async Task History_exports_every_page_as_csv()
    {
        var id = await Admin.FundedAsync(0);
        await Admin.PostAsync($"/v1/accounts/{id}/grants", new { amount = 2, description = "comma, \"quote\"" });
        await Admin.PostAsync($"/v1/accounts/{id}/grants", new { amount = 1, description = "=1+2", reference = "@SUM(A1)" });
        await Admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 1 });
        for (var i = 0; i < 5; i++)
        {
            await Admin.PostAsync($"/v1/accounts/{id}/grants", new { amount = 1 });
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/accounts/{id}/entries?limit=2");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var response = await Admin.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var lines = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("id,seq,createdAt,type,unit,amount,balanceAfter,feature,quantity,description,reference,actor");
        lines.Length.ShouldBe(1 + 10);
        text.ShouldContain("\"comma, \"\"quote\"\"\"");
        text.ShouldContain(",'=1+2,'@SUM(A1),"); // formulas defused
        text.ShouldContain(",-1,"); // numbers are not: a charge's amount stays a number
    }

    [Fact]
    public async Task Metrics_show_how_many_requests_each_ledger_transaction_carried()
    {
        var id = await Admin.FundedAsync(10);
        (await Admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 1 })).Is(201);

        // prometheus-net picks up .NET meters in the background: allow it a moment.
        var metrics = "";
        for (var i = 0; i < 100 && !metrics.Contains("tally_ledger_batch_requests", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
            metrics = (await Server.Client(null).FetchAsync("/metrics")).Is(200).Text;
        }

        metrics.ShouldContain("tally_ledger_batch_requests_bucket");
    }

    [Fact]
    public async Task Ops_endpoints_answer_without_credentials()
    {
        var anonymous = Server.Client(null);
        (await anonymous.FetchAsync("/healthz")).Is(200);
        (await anonymous.FetchAsync("/readyz")).Is(200);
        (await anonymous.FetchAsync("/metrics")).Is(200).Text.ShouldContain("tally_ledger_operations_total");
        var openapi = (await anonymous.FetchAsync("/openapi/v1.json")).Is(200);
        openapi.Node("paths").AsObject().Select(p => p.Key).ShouldContain("/v1/accounts/{externalId}/charges");
        (await anonymous.FetchAsync("/docs")).Is(200);
    }
}
