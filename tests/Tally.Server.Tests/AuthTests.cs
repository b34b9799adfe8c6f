using Shouldly;
using Xunit;
using Tally.TestSupport.Server;

namespace Tally.Server.Tests;

public abstract partial class ApiTests<TFixture>
{
    private async Task<string> KeyAsync(params string[] scopes) =>
        (await Admin.PostAsync("/v1/api-keys", new { name = "test", scopes })).Is(201).Node("secret").GetValue<string>();

    [Fact]
    public async Task Missing_unknown_and_garbage_credentials_are_401()
    {
        var id = await Admin.FundedAsync(5);

        (await Server.Client(null).FetchAsync($"/v1/accounts/{id}")).IsProblem(401, "unauthorized");
        (await Server.Client("tally_sk_" + new string('x', 40)).FetchAsync($"/v1/accounts/{id}")).IsProblem(401, "unauthorized");
        (await Server.Client("not-a-token").FetchAsync($"/v1/accounts/{id}")).IsProblem(401, "unauthorized");
        (await Server.Client("tally_ct_garbage.sig").FetchAsync($"/v1/accounts/{id}")).IsProblem(401, "unauthorized");
        (await Server.Client(null).PostAsync($"/v1/accounts/{id}/charges", new { amount = 1 })).IsProblem(401, "unauthorized");
        (await Admin.FetchAsync($"/v1/accounts/{id}/balance")).Dec("balances.0.total").ShouldBe(5);
    }

    [Fact]
    public async Task Keys_act_only_within_their_scopes()
    {
        var id = await Admin.FundedAsync(20);
        var reader = Server.Client(await KeyAsync("read"));
        var charger = Server.Client(await KeyAsync("charge"));
        var granter = Server.Client(await KeyAsync("grant"));

        (await reader.FetchAsync($"/v1/accounts/{id}")).Is(200);
        (await reader.PostAsync($"/v1/accounts/{id}/charges", new { amount = 1 })).IsProblem(403, "forbidden");
        (await charger.PostAsync($"/v1/accounts/{id}/charges", new { amount = 1 })).Is(201);
        (await charger.PostAsync($"/v1/accounts/{id}/grants", new { amount = 1 })).IsProblem(403, "forbidden");
        (await granter.PostAsync($"/v1/accounts/{id}/grants", new { amount = 1 })).Is(201);
        (await granter.PostAsync($"/v1/accounts/{id}/adjustments", new { amount = 1, reason = "x" })).IsProblem(403, "forbidden");
        (await granter.PostAsync("/v1/batch", new { mode = "atomic", operations = new object[] { new { op = "charge", account = id, amount = 1 } } })).IsProblem(403, "forbidden");
        (await charger.PostAsync("/v1/api-keys", new { name = "x", scopes = new[] { "admin" } })).IsProblem(403, "forbidden");
    }

    [Fact]
    public async Task A_revoked_key_stops_working()
    {
        var created = (await Admin.PostAsync("/v1/api-keys", new { name = "short-lived", scopes = new[] { "read" } })).Is(201);
        var key = Server.Client(created.Node("secret").GetValue<string>());
        var id = await Admin.FundedAsync(1);
        (await key.FetchAsync($"/v1/accounts/{id}")).Is(200);

        (await Admin.SendAsync(HttpMethod.Delete, $"/v1/api-keys/{created.Node("id").GetValue<string>()}")).Is(204);

        (await key.FetchAsync($"/v1/accounts/{id}")).IsProblem(401, "unauthorized");
        (await Admin.SendAsync(HttpMethod.Delete, $"/v1/api-keys/{created.Node("id").GetValue<string>()}")).IsProblem(404, "not_found");
        var listed = (await Admin.FetchAsync("/v1/api-keys")).Is(200).Text;
        listed.ShouldNotContain(created.Node("secret").GetValue<string>());
    }

    [Fact]
    public async Task A_client_token_reads_only_its_own_account()
    {
        var mine = await Admin.FundedAsync(7);
        var other = await Admin.FundedAsync(7);
        var token = (await Admin.PostAsync($"/v1/accounts/{mine}/client-tokens", new { ttlSeconds = 60 })).Is(201);
        var browser = Server.Client(token.Node("token").GetValue<string>());

        (await browser.FetchAsync($"/v1/accounts/{mine}/balance")).Is(200).Dec("balances.0.total").ShouldBe(7);
        (await browser.FetchAsync($"/v1/accounts/{mine}/entries")).Is(200);
        (await browser.FetchAsync($"/v1/accounts/{other}/balance")).IsProblem(403, "forbidden");
        (await browser.PostAsync($"/v1/accounts/{mine}/charges", new { amount = 1 })).IsProblem(403, "forbidden");
        (await browser.PostAsync($"/v1/accounts/{mine}/grants", new { amount = 1 })).IsProblem(403, "forbidden");
        (await browser.FetchAsync("/v1/features")).IsProblem(403, "forbidden");
        (await Admin.PostAsync($"/v1/accounts/{mine}/client-tokens", new { ttlSeconds = 3601 })).IsProblem(400, "validation_failed");
    }

    [Fact]
    public async Task A_tampered_client_token_is_401()
    {
        var id = await Admin.FundedAsync(1);
        var token = (await Admin.PostAsync($"/v1/accounts/{id}/client-tokens", new { ttlSeconds = 1 })).Is(201).Node("token").GetValue<string>();
        var tampered = token[..^2] + (token[^2] == 'A' ? "BB" : "AA");
        var otherAccount = token.Replace(token.Split('.')[0], "tally_ct_" + Auth.ApiKeys.Base64Url(System.Text.Encoding.UTF8.GetBytes($$"""{"A":"someone-else","E":9999999999,"K":"k"}""")), StringComparison.Ordinal);

        (await Server.Client(tampered).FetchAsync($"/v1/accounts/{id}")).IsProblem(401, "unauthorized");
        (await Server.Client(otherAccount).FetchAsync("/v1/accounts/someone-else")).IsProblem(401, "unauthorized");
    }

    [Fact]
    public async Task Key_mutations_are_audited_without_secrets()
    {
        var created = (await Admin.PostAsync("/v1/api-keys", new { name = "audited", scopes = new[] { "read" } })).Is(201);
        var id = await Admin.FundedAsync(1);
        await Admin.PostAsync($"/v1/accounts/{id}/freeze", new { reason = "audit me" });

        var audit = await Server.Access.ReadAuditAsync(100, CancellationToken.None);

        audit.ShouldContain(a => a.Action == "POST /v1/api-keys" && a.Status == 201, string.Join("; ", audit.Select(a => $"{a.Action} {a.Status}")));
        audit.ShouldContain(a => a.Action == "POST /v1/accounts/{externalId}/freeze" && a.Target == id && a.Actor.StartsWith("key_"));
        audit.ShouldAllBe(a => a.Details == null || !a.Details.Contains(created.Node("secret").GetValue<string>()));
    }
}
