using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;
using Tally.TestSupport.Server;

namespace Tally.Server.Tests;

/// <summary>
/// Two Tally instances over one PostgreSQL, as behind a load balancer without sticky sessions
/// (docs/operations.md, "Several instances"): any request may land on either, and the answers are
/// those of one server.
/// </summary>
public sealed class MultiInstanceTests(PostgresPairFixture pair) : IClassFixture<PostgresPairFixture>
{
    [Fact]
    public async Task Requests_alternating_between_instances_see_one_ledger()
    {
        using var a = pair.A.Client();
        using var b = pair.B.Client(pair.A.AdminKey); // one caller, one key: idempotency keys are scoped per credential
        var account = Api.NewAccount();
        (await a.PutAsync($"/v1/accounts/{account}", new { tier = "pro" })).Is(201);
        (await b.PostAsync($"/v1/accounts/{account}/grants", new { amount = 50 })).Is(201);
        (await a.PostAsync($"/v1/accounts/{account}/charges", new { amount = 30 })).Is(201);
        var hold = (await b.PostAsync($"/v1/accounts/{account}/holds", new { amount = 20 })).Is(201).Json["id"]!.GetValue<string>();
        (await a.PostAsync($"/v1/holds/{hold}/capture", new { amount = 5 })).Is(200);

        var onA = (await a.FetchAsync($"/v1/accounts/{account}/balance")).Is(200);
        var onB = (await b.FetchAsync($"/v1/accounts/{account}/balance")).Is(200);
        onB.Text.ShouldBe(onA.Text);
        var expected = pair.A.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Tally.Server.Hosting.TallyOptions>>().Value.InitialAmount + 50 - 30 - 5;
        onB.Dec("balances.0.available").ShouldBe(expected);
        (await b.FetchAsync($"/v1/accounts/{account}/entries?limit=10")).Is(200).Text.ShouldBe((await a.FetchAsync($"/v1/accounts/{account}/entries?limit=10")).Text);
        (await a.FetchAsync($"/v1/accounts/{account}")).Is(200).Json["tier"]!.GetValue<string>().ShouldBe("pro");

        // The ETag is the account's seq, the same on both: a 304 from B for what A answered.
        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/v1/accounts/{account}/balance");
        conditional.Headers.IfNoneMatch.Add(onA.Message.Headers.ETag!);
        using var notModified = await b.SendAsync(conditional);
        ((int)notModified.StatusCode).ShouldBe(304);
    }

    [Fact]
    public async Task An_idempotent_retry_landing_on_the_other_instance_replays_the_first_answer()
    {
        using var a = pair.A.Client();
        using var b = pair.B.Client(pair.A.AdminKey); // one caller, one key: idempotency keys are scoped per credential
        var account = await a.FundedAsync(100);
        var key = Guid.NewGuid().ToString("N");

        var first = (await a.PostAsync($"/v1/accounts/{account}/charges", new { amount = 10 }, key)).Is(201);
        var retry = (await b.PostAsync($"/v1/accounts/{account}/charges", new { amount = 10 }, key)).Is(201);

        retry.Text.ShouldBe(first.Text);
        retry.Message.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        (await b.FetchAsync($"/v1/accounts/{account}/balance")).Dec("balances.0.available").ShouldBe(90);
    }

    [Fact]
    public async Task The_same_key_sent_to_both_instances_at_once_charges_once()
    {
        using var a = pair.A.Client();
        using var b = pair.B.Client(pair.A.AdminKey); // one caller, one key: idempotency keys are scoped per credential
        var account = await a.FundedAsync(1000);
        var keys = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid().ToString("N")).ToList();

        var answers = await Task.WhenAll(keys.SelectMany(key => new[] { a, b, a, b }.Select(client =>
            client.PostAsync($"/v1/accounts/{account}/charges", new { amount = 1 }, key))));

        // Each request either made the charge, replayed it, or was told another with its key is in flight.
        answers.ShouldAllBe(x => x.Code == 201 || (x.Code == 409 && x.ProblemCode == "idempotency_conflict"));
        (await b.FetchAsync($"/v1/accounts/{account}/balance")).Dec("balances.0.available").ShouldBe(1000 - keys.Count);
        var ids = answers.Where(x => x.Code == 201).GroupBy(x => x.Node("entry.id").GetValue<string>()).ToList();
        ids.Count.ShouldBe(keys.Count);
    }

    [Fact]
    public async Task Credentials_made_on_one_instance_work_on_the_other()
    {
        using var a = pair.A.Client();
        using var b = pair.B.Client(pair.A.AdminKey); // one caller, one key: idempotency keys are scoped per credential
        var account = await a.FundedAsync(10);

        var secret = (await a.PostAsync("/v1/api-keys", new { name = "pair", scopes = new[] { "read" } })).Is(201).Json["secret"]!.GetValue<string>();
        using var withKey = pair.B.Client(secret);
        (await withKey.FetchAsync($"/v1/accounts/{account}/balance")).Is(200);

        var token = (await b.PostAsync($"/v1/accounts/{account}/client-tokens", new { })).Is(201).Json["token"]!.GetValue<string>();
        using var browser = pair.A.Client(token);
        (await browser.FetchAsync($"/v1/accounts/{account}/balance")).Is(200);

        var link = (await a.PostAsync($"/v1/accounts/{account}/portal-links", new { })).Is(201).Json["url"]!.GetValue<string>();
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var portal = new HttpClient(handler) { BaseAddress = pair.B.BaseAddress };
        using var opened = await portal.GetAsync(new Uri(link).PathAndQuery);
        ((int)opened.StatusCode).ShouldBe(302);
        using var again = await pair.A.Client("").GetAsync(new Uri(link).PathAndQuery);
        ((int)again.StatusCode).ShouldBe(410);
    }
}
