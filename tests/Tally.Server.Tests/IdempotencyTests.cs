using Shouldly;
using Xunit;
using Tally.TestSupport.Server;

namespace Tally.Server.Tests;

public abstract partial class ApiTests<TFixture>
{
    [Fact]
    public async Task A_replay_returns_the_original_status_and_bytes()
    {
        var id = await Admin.FundedAsync(10);
        var key = Guid.NewGuid().ToString();

        var first = (await Admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 3 }, key)).Is(201);
        var second = (await Admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 3 }, key)).Is(201);

        second.Text.ShouldBe(first.Text);
        second.Message.Headers.GetValues("Idempotent-Replayed").Single().ShouldBe("true");
        first.Message.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        (await Admin.FetchAsync($"/v1/accounts/{id}/balance")).Dec("balances.0.total").ShouldBe(7);
    }

    [Fact]
    public async Task A_refusal_is_replayed_with_its_trace_id_and_a_different_body_conflicts()
    {
        var id = await Admin.FundedAsync(10);
        var key = Guid.NewGuid().ToString();

        var first = (await Admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 30 }, key)).IsProblem(402, "insufficient_credits");
        await Admin.PostAsync($"/v1/accounts/{id}/grants", new { amount = 100 });
        var replay = (await Admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 30 }, key)).IsProblem(402, "insufficient_credits");
        var conflict = await Admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 31 }, key);

        replay.Text.ShouldBe(first.Text);
        conflict.IsProblem(409, "idempotency_conflict");
        (await Admin.FetchAsync($"/v1/accounts/{id}/balance")).Dec("balances.0.total").ShouldBe(110);
    }

    [Fact]
    public async Task Keys_are_scoped_to_the_credential_and_the_route()
    {
        var a = await Admin.FundedAsync(10);
        var b = await Admin.FundedAsync(10);
        var key = Guid.NewGuid().ToString();
        var other = Server.Client((await Admin.PostAsync("/v1/api-keys", new { name = "other", scopes = new[] { "charge" } })).Node("secret").GetValue<string>());

        (await Admin.PostAsync($"/v1/accounts/{a}/charges", new { amount = 1 }, key)).Is(201);
        (await Admin.PostAsync($"/v1/accounts/{b}/charges", new { amount = 1 }, key)).Is(201);
        (await other.PostAsync($"/v1/accounts/{a}/charges", new { amount = 1 }, key)).Is(201);

        (await Admin.FetchAsync($"/v1/accounts/{a}/balance")).Dec("balances.0.total").ShouldBe(8);
        (await Admin.FetchAsync($"/v1/accounts/{b}/balance")).Dec("balances.0.total").ShouldBe(9);
    }

    [Fact]
    public async Task Bad_idempotency_keys_are_400()
    {
        var id = await Admin.FundedAsync(10);

        (await Admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 1 }, "")).IsProblem(400, "validation_failed");
        (await Admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 1 }, new string('k', 256))).IsProblem(400, "validation_failed");
        (await Admin.FetchAsync($"/v1/accounts/{id}/balance")).Dec("balances.0.total").ShouldBe(10);
    }

    [Fact]
    public async Task Non_ledger_mutations_replay_too()
    {
        var key = Guid.NewGuid().ToString();
        var feature = $"f.{Guid.NewGuid():N}";

        var first = (await Admin.PostAsync("/v1/features", new { key = feature, cost = 1 }, key)).Is(201);
        var second = (await Admin.PostAsync("/v1/features", new { key = feature, cost = 1 }, key)).Is(201);
        var conflict = await Admin.PostAsync("/v1/features", new { key = feature, cost = 2 }, key);

        second.Text.ShouldBe(first.Text);
        second.Message.Headers.Contains("Idempotent-Replayed").ShouldBeTrue();
        conflict.IsProblem(409, "idempotency_conflict");
    }

    [Fact]
    public async Task Concurrent_requests_with_one_key_have_one_effect()
    {
        var id = await Admin.FundedAsync(100);
        var key = Guid.NewGuid().ToString();

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 1 }, key)));

        answers.ShouldAllBe(a => a.Code == 201);
        answers.Select(a => a.Node("entry.id").GetValue<string>()).Distinct().Count().ShouldBe(1);
        (await Admin.FetchAsync($"/v1/accounts/{id}/balance")).Dec("balances.0.total").ShouldBe(99);
    }
}
