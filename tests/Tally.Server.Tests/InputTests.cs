using Shouldly;
using Xunit;
using Tally.TestSupport.Server;

namespace Tally.Server.Tests;

public abstract partial class ApiTests<TFixture>
{
    [Theory]
    [InlineData("""{"amount": "10"}""", "amount")]
    [InlineData("""{"amount": 10.5}""", "amount")]
    [InlineData("""{"amount": -5}""", "amount")]
    [InlineData("""{"amount": 0}""", "amount")]
    [InlineData("""{"amount": 1000001}""", "amount")]
    [InlineData("""{"amount": 1e400}""", "amount")]
    [InlineData("""{"amount": 123456789012345678901234567890}""", "amount")]
    [InlineData("""{"amount": 1.0000000000000000000000000001}""", "amount")]
    [InlineData("""{"amount": true}""", "amount")]
    [InlineData("""{"amount": null}""", "amount")]
    [InlineData("""{}""", "amount")]
    [InlineData("""{"amount": 1, "unit": "nope"}""", "unit")]
    [InlineData("""{"amount": 1, "feature": "x"}""", "feature")]
    [InlineData("""{"feature": "x", "quantity": 0.0000001}""", "quantity")]
    [InlineData("""{"amount": 1, "metadata": [1,2]}""", "metadata")]
    [InlineData("""{"amount": 1, "description": 5}""", "description")]
    public async Task Bad_charge_fields_are_400_validation_failed_naming_the_field(string body, string field)
    {
        var id = await Admin.FundedAsync(10);

        var answer = (await Admin.SendAsync(HttpMethod.Post, $"/v1/accounts/{id}/charges", body)).IsProblem(400, "validation_failed");

        answer.Node("errors").AsObject().Select(e => e.Key).ShouldContain(field);
        (await Admin.FetchAsync($"/v1/accounts/{id}/balance")).Dec("balances.0.total").ShouldBe(10);
    }

    [Theory]
    [InlineData("""{"amount": 1""")]
    [InlineData("""[1, 2]""")]
    [InlineData("""not json""")]
    [InlineData("""{"amount": 1, "surprise": true}""")]
    [InlineData("""{"amount": 1,}""")]
    [InlineData("""null""")]
    [InlineData("""{"amount": 1} trailing""")]
    public async Task Unparsable_bodies_and_unknown_fields_are_400_malformed_request(string body)
    {
        var id = await Admin.FundedAsync(10);

        (await Admin.SendAsync(HttpMethod.Post, $"/v1/accounts/{id}/charges", body)).IsProblem(400, "malformed_request");
        (await Admin.FetchAsync($"/v1/accounts/{id}/balance")).Dec("balances.0.total").ShouldBe(10);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_415()
    {
        var id = await Admin.FundedAsync(10);

        (await Admin.SendAsync(HttpMethod.Post, $"/v1/accounts/{id}/charges", rawBody: "amount=1", contentType: "application/x-www-form-urlencoded"))
            .IsProblem(415, "unsupported_media_type");
        (await Admin.SendAsync(HttpMethod.Post, $"/v1/accounts/{id}/charges", rawBody: """{"amount":1}""", contentType: "text/plain"))
            .IsProblem(415, "unsupported_media_type");
    }

    [Fact]
    public async Task Bodies_over_the_limit_are_413()
    {
        var id = await Admin.FundedAsync(10);
        var huge = $$"""{"amount": 1, "description": "{{new string('x', 70 * 1024)}}"}""";

        (await Admin.SendAsync(HttpMethod.Post, $"/v1/accounts/{id}/charges", huge)).IsProblem(413, "payload_too_large");
        var batch = $$"""{"mode":"atomic","operations":[{"op":"charge","account":"{{id}}","amount":1,"description":"{{new string('x', 1100 * 1024)}}"}]}""";
        (await Admin.SendAsync(HttpMethod.Post, "/v1/batch", batch)).IsProblem(413, "payload_too_large");
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=501")]
    [InlineData("limit=abc")]
    [InlineData("cursor=garbage!")]
    [InlineData("type=nonsense")]
    [InlineData("from=yesterday")]
    public async Task Bad_history_queries_are_400(string query)
    {
        var id = await Admin.FundedAsync(1);

        (await Admin.FetchAsync($"/v1/accounts/{id}/entries?{query}")).IsProblem(400, "validation_failed");
    }

    [Fact]
    public async Task Unknown_accounts_are_404_on_reads()
    {
        var id = Api.NewAccount("nobody");

        (await Admin.FetchAsync($"/v1/accounts/{id}")).IsProblem(404, "not_found");
        (await Admin.FetchAsync($"/v1/accounts/{id}/balance")).IsProblem(404, "not_found");
        (await Admin.FetchAsync($"/v1/accounts/{id}/entries")).IsProblem(404, "not_found");
        (await Admin.FetchAsync($"/v1/accounts/{id}/holds")).IsProblem(404, "not_found");
        (await Admin.FetchAsync($"/v1/accounts/{id}/charges/check?amount=1")).IsProblem(404, "not_found");
        (await Admin.PostAsync($"/v1/accounts/{id}/freeze")).IsProblem(404, "not_found");
    }

    [Fact]
    public async Task Invalid_account_ids_are_refused_on_mutations()
    {
        var tooLong = new string('a', 201);

        (await Admin.PutAsync($"/v1/accounts/{tooLong}")).IsProblem(400, "validation_failed");
        (await Admin.PostAsync("/v1/accounts/bad%20id/charges", new { amount = 1 })).IsProblem(400, "validation_failed");
    }
}
