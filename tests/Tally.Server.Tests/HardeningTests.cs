using System.Net.Http.Headers;
using System.Text;
using Shouldly;
using Tally.TestSupport.Server;
using Xunit;

namespace Tally.Server.Tests;

/// <summary>The defects a black-box probe found (the hardening issue), one test each, on both stores.</summary>
public abstract partial class ApiTests<TFixture>
{
    private static string Nested(int levels) => string.Concat(Enumerable.Repeat("{\"a\":", levels)) + "1" + new string('}', levels);

    private async Task<long> SeqAsync(string id) => (await Admin.FetchAsync($"/v1/accounts/{id}/balance")).Node("seq").GetValue<long>();

    [Fact]
    public async Task Metadata_as_deep_as_a_body_may_nest_is_stored_and_renders_everywhere()
    {
        var id = await Admin.FundedAsync(10);

        (await Admin.SendAsync(HttpMethod.Post, $"/v1/accounts/{id}/charges", $$"""{"amount":1,"metadata":{{Nested(31)}}}""")).Is(201);
        (await Admin.SendAsync(HttpMethod.Post, $"/v1/accounts/{id}/grants", $$"""{"amount":1,"metadata":{{Nested(31)}}}""")).Is(201);
        var batch = $$"""{"mode":"atomic","operations":[{"op":"charge","account":"{{id}}","amount":1,"metadata":{{Nested(29)}}}]}""";
        (await Admin.SendAsync(HttpMethod.Post, "/v1/batch", batch)).Is(200);

        var history = (await Admin.FetchAsync($"/v1/accounts/{id}/entries")).Is(200);
        history.Json["data"]!.AsArray().Count.ShouldBe(5);
        (await Admin.SendAsync(HttpMethod.Get, $"/v1/accounts/{id}/entries?limit=1")).Is(200);
    }

    [Fact]
    public async Task A_body_nested_deeper_than_32_levels_is_refused_before_anything_is_written()
    {
        var id = await Admin.FundedAsync(10);
        var seq = await SeqAsync(id);

        (await Admin.SendAsync(HttpMethod.Post, $"/v1/accounts/{id}/charges", $$"""{"amount":1,"metadata":{{Nested(32)}}}""")).IsProblem(400, "malformed_request");
        (await Admin.SendAsync(HttpMethod.Post, $"/v1/accounts/{id}/grants", $$"""{"amount":1,"metadata":{{Nested(200)}}}""")).IsProblem(400, "malformed_request");
        var batch = $$"""{"mode":"atomic","operations":[{"op":"charge","account":"{{id}}","amount":1,"metadata":{{Nested(30)}}}]}""";
        (await Admin.SendAsync(HttpMethod.Post, "/v1/batch", batch)).IsProblem(400, "malformed_request");

        (await SeqAsync(id)).ShouldBe(seq);
    }

    [Fact]
    public async Task One_idempotency_key_on_every_spelling_of_a_route_has_one_effect()
    {
        var id = await Admin.FundedAsync(10);
        var key = Guid.NewGuid().ToString();

        var first = (await Admin.SendAsync(HttpMethod.Post, $"/v1/accounts/{id}/charges", new { amount = 1 }, key)).Is(201);
        var slash = (await Admin.SendAsync(HttpMethod.Post, $"/v1/accounts/{id}/charges/", new { amount = 1 }, key)).Is(201);
        var upper = (await Admin.SendAsync(HttpMethod.Post, $"/V1/Accounts/{id}/CHARGES", new { amount = 1 }, key)).Is(201);

        slash.Text.ShouldBe(first.Text);
        upper.Text.ShouldBe(first.Text);
        upper.Message.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        (await Admin.FetchAsync($"/v1/accounts/{id}/balance")).Dec("balances.0.total").ShouldBe(9);
    }

    [Fact]
    public async Task Replays_of_answers_that_carried_a_secret_carry_it_null_and_create_nothing()
    {
        var key = Guid.NewGuid().ToString();
        var created = (await Admin.SendAsync(HttpMethod.Post, "/v1/api-keys", new { name = "once", scopes = new[] { "read" } }, key)).Is(201);
        var replay = (await Admin.SendAsync(HttpMethod.Post, "/v1/api-keys", new { name = "once", scopes = new[] { "read" } }, key)).Is(201);

        created.Node("secret").GetValue<string>().ShouldStartWith("tally_sk_");
        replay.Json["secret"].ShouldBeNull();
        replay.Node("id").GetValue<string>().ShouldBe(created.Node("id").GetValue<string>());
        (await Admin.FetchAsync("/v1/api-keys")).Json["data"]!.AsArray().Count(k => k!["name"]!.GetValue<string>() == "once").ShouldBe(1);

        var id = await Admin.FundedAsync(1);
        var tokenKey = Guid.NewGuid().ToString();
        (await Admin.SendAsync(HttpMethod.Post, $"/v1/accounts/{id}/client-tokens", new { ttlSeconds = 60 }, tokenKey)).Is(201)
            .Node("token").GetValue<string>().ShouldStartWith("tally_ct_");
        (await Admin.SendAsync(HttpMethod.Post, $"/v1/accounts/{id}/client-tokens", new { ttlSeconds = 60 }, tokenKey)).Is(201)
            .Json["token"].ShouldBeNull();
    }

    [Theory]
    [InlineData("80")]
    [InlineData("c0af")]
    [InlineData("eda080")]
    [InlineData("f888808080")]
    [InlineData("ff")]
    [InlineData("c328")]
    public async Task Invalid_utf8_inside_a_string_is_400_on_every_kind_of_body(string hex)
    {
        var id = await Admin.FundedAsync(10);
        var hold = (await Admin.PostAsync($"/v1/accounts/{id}/holds", new { amount = 1 })).Is(201).Node("id").GetValue<string>();
        var seq = await SeqAsync(id);
        var bad = Convert.FromHexString(hex);

        foreach (var (path, before, after) in new[]
        {
            ("/v1/batch", $$"""{"mode":"atomic","operations":[{"op":"charge","account":"{{id}}","amount":1,"description":"x""", "\"}]}"),
            ($"/v1/holds/{hold}/capture", "{\"amount\":1,\"x", "\":1}"),
            ($"/v1/accounts/{id}/client-tokens", "{\"ttlSeconds\":60,\"", "\":1}"),
            ($"/v1/accounts/{id}/charges", "{\"amount\":1,\"metadata\":{\"note\":\"", "\"}}"),
            ($"/v1/accounts/{id}/charges", "{\"amount\":1,\"description\":\"", "\"}"),
        })
        {
            var body = Encoding.UTF8.GetBytes(before).Concat(bad).Concat(Encoding.UTF8.GetBytes(after)).ToArray();
            (await Admin.SendBytesAsync(HttpMethod.Post, path, body)).IsProblem(400, "malformed_request");
        }

        (await SeqAsync(id)).ShouldBe(seq);
    }

    [Theory]
    [InlineData("\\ud800")]
    [InlineData("\\udc00")]
    [InlineData("a\\ud800b")]
    public async Task A_lone_surrogate_is_400_wherever_it_is(string escaped)
    {
        var id = await Admin.FundedAsync(10);

        (await Admin.SendAsync(HttpMethod.Post, $"/v1/accounts/{id}/charges", "{\"amount\":1,\"metadata\":{\"note\":\"" + escaped + "\"}}")).IsProblem(400, "malformed_request");
        (await Admin.SendAsync(HttpMethod.Post, $"/v1/accounts/{id}/charges", $$"""{"amount":1,"description":"{{escaped}}"}""")).IsProblem(400, "malformed_request");
        (await Admin.SendAsync(HttpMethod.Post, $"/v1/accounts/{id}/charges", "{\"amount\":1,\"metadata\":{\"" + escaped + "\":1}}")).IsProblem(400, "malformed_request");
        (await Admin.FetchAsync($"/v1/accounts/{id}/balance")).Dec("balances.0.total").ShouldBe(10);
    }

    [Fact]
    public async Task Numbers_beyond_what_a_field_holds_are_400_naming_the_field_on_every_endpoint()
    {
        var unit = $"micro-{Guid.NewGuid():N}"[..20];
        (await Admin.PostAsync("/v1/units", new { key = unit, precision = 6 })).Is(201);
        var id = await Admin.FundedAsync(100);
        var other = await Admin.FundedAsync(0);
        var hold = (await Admin.PostAsync($"/v1/accounts/{id}/holds", new { amount = 5 })).Is(201).Node("id").GetValue<string>();
        var entry = (await Admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 1 })).Is(201).Node("entry.id").GetValue<string>();
        var feature = $"feat.{Guid.NewGuid():N}";
        (await Admin.PostAsync("/v1/features", new { key = feature, cost = 1, unit = "credits" })).Is(201);
        var seq = await SeqAsync(id);

        foreach (var (path, body, field) in new[]
        {
            ($"/v1/accounts/{id}/grants", $$"""{"amount":1e27,"unit":"{{unit}}"}""", "amount"),
            ($"/v1/accounts/{id}/charges", $$"""{"amount":1e27,"unit":"{{unit}}"}""", "amount"),
            ($"/v1/accounts/{id}/charges", $$"""{"feature":"{{feature}}","quantity":1e23}""", "quantity"),
            ($"/v1/accounts/{id}/holds", $$"""{"feature":"{{feature}}","quantity":79000000000000000000000000000}""", "quantity"),
            ($"/v1/accounts/{id}/adjustments", $$"""{"amount":-1e27,"reason":"x","unit":"{{unit}}"}""", "amount"),
            ("/v1/transfers", $$"""{"from":"{{id}}","to":"{{other}}","amount":1e27,"unit":"{{unit}}"}""", "amount"),
            ($"/v1/holds/{hold}/capture", """{"amount":1e27}""", "amount"),
            ($"/v1/entries/{entry}/reverse", """{"amount":1e27}""", "amount"),
            ("/v1/features", $$"""{"key":"f{{Guid.NewGuid():N}}","cost":1e23,"unit":"credits"}""", "cost"),
            ("/v1/batch", $$"""{"mode":"atomic","operations":[{"op":"grant","account":"{{id}}","amount":1e27,"unit":"{{unit}}"}]}""", "operations[0].amount"),
        })
        {
            var answer = (await Admin.SendAsync(HttpMethod.Post, path, body)).IsProblem(400, "validation_failed");
            answer.Node("errors").AsObject().Select(e => e.Key).ShouldContain(field, $"{path}: {answer.Text}");
        }

        (await Admin.FetchAsync($"/v1/accounts/{id}/charges/check?feature={feature}&quantity=79000000000000000000000000000")).IsProblem(400, "validation_failed");
        (await SeqAsync(id)).ShouldBe(seq);
    }

    [Theory]
    [InlineData("charges", """{"amount":"10"}""", "amount", "must be a JSON number")]
    [InlineData("grants", """{"amount":1,"priority":"high"}""", "priority", "must be a whole number in range")]
    [InlineData("grants", """{"amount":1,"expiresAt":42}""", "expiresAt", "must be an ISO 8601 timestamp string, e.g. 2026-12-31T00:00:00Z")]
    [InlineData("grants", """{"amount":1,"features":"x"}""", "features", "must be a list of strings")]
    [InlineData("charges", """{"amount":1,"description":5}""", "description", "must be a string")]
    public async Task A_value_of_the_wrong_type_names_its_field_with_a_plain_reason(string route, string body, string field, string reason)
    {
        var id = await Admin.FundedAsync(1);

        var answer = (await Admin.SendAsync(HttpMethod.Post, $"/v1/accounts/{id}/{route}", body)).IsProblem(400, "validation_failed");

        answer.Node($"errors.{field}.0").GetValue<string>().ShouldBe(reason);
    }

    [Fact]
    public async Task An_atomic_batch_whose_only_operation_the_ledger_refuses_answers_that_refusal_with_its_index()
    {
        var id = await Admin.FundedAsync(10);

        foreach (var operation in new object[]
        {
            new { op = "charge", account = "bad id!", amount = 1 },
            new { op = "charge", account = id, feature = $"nope.{Guid.NewGuid():N}" },
            new { op = "grant", account = id, amount = 1, expiresAt = "2001-01-01T00:00:00Z" },
        })
        {
            var answer = (await Admin.PostAsync("/v1/batch", new { mode = "atomic", operations = new[] { operation } })).IsProblem(400, "validation_failed");
            answer.Node("failedIndex").GetValue<int>().ShouldBe(0);
        }

        (await Admin.FetchAsync($"/v1/accounts/{id}/balance")).Dec("balances.0.total").ShouldBe(10);
    }

    [Fact]
    public async Task Batch_operations_take_exactly_their_endpoint_members_with_the_right_types()
    {
        var id = await Admin.FundedAsync(10);
        var seq = await SeqAsync(id);

        (await Admin.SendAsync(HttpMethod.Post, "/v1/batch", $$"""{"mode":"atomic","operations":[{"op":"charge","account":"{{id}}","amount":1,"amount":2}]}"""))
            .IsProblem(400, "malformed_request");
        (await Admin.SendAsync(HttpMethod.Post, "/v1/batch", """{"mode":"atomic","operations":[{"op":"charge","account":12345,"amount":1}]}"""))
            .IsProblem(400, "validation_failed").Node("errors").AsObject().Select(e => e.Key).ShouldContain("operations[0].account");
        (await Admin.SendAsync(HttpMethod.Post, "/v1/batch", $$"""{"mode":"atomic","operations":[{"op":"grant","account":"{{id}}","amount":1,"holdId":"hold_1"}]}"""))
            .IsProblem(400, "malformed_request");
        (await Admin.SendAsync(HttpMethod.Post, "/v1/batch", $$"""{"mode":"atomic","operations":[{"op":"capture","account":"{{id}}","holdId":"hold_1"}]}"""))
            .IsProblem(400, "malformed_request");
        (await SeqAsync(id)).ShouldBe(seq);
    }

    [Fact]
    public async Task Batch_operation_errors_name_the_operation_and_its_member()
    {
        var id = await Admin.FundedAsync(10);
        var seq = await SeqAsync(id);
        static string[] Errors(Answer problem) => problem.Node("errors").AsObject().Select(e => e.Key).ToArray();

        // "op" may come anywhere in the object.
        (await Admin.SendAsync(HttpMethod.Post, "/v1/batch", $$"""{"operations":[{"account":"{{id}}","amount":1,"op":"charge"}],"mode":"atomic"}""")).Is(200);
        Errors((await Admin.SendAsync(HttpMethod.Post, "/v1/batch", $$"""{"mode":"atomic","operations":[{"op":"charge","account":"{{id}}","amount":1},{"account":"{{id}}","amount":1}]}"""))
            .IsProblem(400, "validation_failed")).ShouldBe(["operations[1].op"]);
        Errors((await Admin.SendAsync(HttpMethod.Post, "/v1/batch", $$"""{"mode":"atomic","operations":[{"op":"refund","account":"{{id}}"}]}"""))
            .IsProblem(400, "validation_failed")).ShouldBe(["operations[0].op"]);
        Errors((await Admin.SendAsync(HttpMethod.Post, "/v1/batch", $$"""{"mode":"atomic","operations":[{"op":"charge","account":"{{id}}","amount":1},{"op":"reserve","account":"{{id}}","amount":1,"ttlSeconds":"soon"}]}"""))
            .IsProblem(400, "validation_failed")).ShouldBe(["operations[1].ttlSeconds"]);
        (await Admin.SendAsync(HttpMethod.Post, "/v1/batch", $$"""{"mode":"atomic","operations":[{"op":"release","holdId":"hold_x","amount":1}]}"""))
            .IsProblem(400, "malformed_request");
        (await SeqAsync(id)).ShouldBe(seq + 1);
    }

    [Fact]
    public async Task A_charge_only_key_may_send_a_batch_of_charges_but_not_of_grants()
    {
        var id = await Admin.FundedAsync(10);
        var charger = Server.Client(await KeyAsync("charge"));

        (await charger.PostAsync("/v1/batch", new { mode = "atomic", operations = new[] { new { op = "charge", account = id, amount = 2 } } })).Is(200);
        (await charger.PostAsync("/v1/batch", new { mode = "atomic", operations = new[] { new { op = "grant", account = id, amount = 2 } } })).IsProblem(403, "forbidden");
        (await Admin.FetchAsync($"/v1/accounts/{id}/balance")).Dec("balances.0.total").ShouldBe(8);
    }

    [Fact]
    public async Task Only_the_bearer_scheme_carries_a_credential_in_any_case_with_any_spacing()
    {
        var id = await Admin.FundedAsync(1);

        async Task<Answer> WithHeader(string value)
        {
            using var client = Server.Client(null);
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", value);
            return await client.FetchAsync($"/v1/accounts/{id}");
        }

        (await WithHeader(Server.AdminKey)).IsProblem(401, "unauthorized");
        (await WithHeader($"Basic {Server.AdminKey}")).IsProblem(401, "unauthorized");
        (await WithHeader($"Bearer{Server.AdminKey}")).IsProblem(401, "unauthorized");
        (await WithHeader($"bearer {Server.AdminKey}")).Is(200);
        (await WithHeader($"BEARER    {Server.AdminKey}  ")).Is(200);
    }

    [Fact]
    public async Task A_client_token_reads_its_account_but_not_its_holds_and_only_in_its_canonical_spelling()
    {
        var id = await Admin.FundedAsync(5);
        var token = (await Admin.PostAsync($"/v1/accounts/{id}/client-tokens", new { ttlSeconds = 600 })).Is(201).Node("token").GetValue<string>();

        (await Server.Client(token).FetchAsync($"/v1/accounts/{id}")).Is(200);
        (await Server.Client(token).FetchAsync($"/v1/accounts/{id}/holds")).IsProblem(403, "forbidden");

        // The signature is 32 bytes: 43 base64url characters, the last carrying two unused bits
        // (zero in the canonical form). A padded spelling and one with those bits set decode to
        // the same bytes; neither may be accepted.
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var last = Alphabet.IndexOf(token[^1], StringComparison.Ordinal);
        (last % 4).ShouldBe(0);
        foreach (var spelling in new[] { token + "=", token[..^1] + Alphabet[last + 1], token[..^1] + Alphabet[last + 3] })
        {
            (await Server.Client(spelling).FetchAsync($"/v1/accounts/{id}")).IsProblem(401, "unauthorized");
        }
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    public async Task Dot_segments_are_no_account_ids(string account)
    {
        var id = await Admin.FundedAsync(5);

        (await Admin.PostAsync("/v1/transfers", new { from = id, to = account, amount = 1 })).IsProblem(400, "validation_failed");
        (await Admin.PostAsync("/v1/batch", new { mode = "independent", operations = new[] { new { op = "grant", account, amount = 1 } } }))
            .Is(200).Node("results.0.status").GetValue<int>().ShouldBe(400);
        (await Admin.FetchAsync($"/v1/accounts/{id}/balance")).Dec("balances.0.total").ShouldBe(5);
    }

    [Fact]
    public async Task Revoking_a_key_answers_204_with_no_body_and_keeps_the_connection()
    {
        var created = (await Admin.PostAsync("/v1/api-keys", new { name = "gone", scopes = new[] { "read" } })).Is(201);
        using var client = Server.Client();

        var answer = (await client.SendAsync(HttpMethod.Delete, $"/v1/api-keys/{created.Node("id").GetValue<string>()}")).Is(204);

        answer.Text.ShouldBeEmpty();
        answer.Message.Content.Headers.ContentType.ShouldBeNull();
        answer.Message.Headers.ConnectionClose.ShouldNotBe(true);
        (await client.FetchAsync("/v1/api-keys")).Is(200);
    }

    [Fact]
    public async Task Unmatched_routes_and_methods_answer_tally_problems()
    {
        var missing = (await Admin.FetchAsync("/v1/nothing-here")).IsProblem(404, "not_found");
        missing.Node("type").GetValue<string>().ShouldBe("https://tally.dev/errors/not_found");
        missing.Node("traceId").GetValue<string>().ShouldNotStartWith("00-");

        var wrong = (await Admin.SendAsync(HttpMethod.Delete, "/v1/batch")).IsProblem(405, "method_not_allowed");
        wrong.Node("type").GetValue<string>().ShouldBe("https://tally.dev/errors/method_not_allowed");
        wrong.Message.Content.Headers.Allow.ShouldContain("POST");
    }

    [Fact]
    public async Task The_openapi_document_names_no_server_from_the_request_and_declares_the_bearer_scheme()
    {
        using var client = Server.Client(null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json");
        request.Headers.Host = "evil.example";

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        text.ShouldNotContain("evil.example");
        var document = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        document["components"]!["securitySchemes"]!["bearer"]!["scheme"]!.GetValue<string>().ShouldBe("bearer");
        document["security"]!.AsArray().Count.ShouldBe(1);
    }

    [Theory]
    [InlineData("bad\u001b[31mname")]
    [InlineData("line\nbreak")]
    [InlineData("nul\u0000")]
    public async Task Names_and_descriptions_refuse_control_characters(string text)
    {
        var id = await Admin.FundedAsync(5);

        (await Admin.PostAsync("/v1/api-keys", new { name = text, scopes = new[] { "read" } })).IsProblem(400, "validation_failed");
        (await Admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 1, description = text })).IsProblem(400, "validation_failed");
        (await Admin.PostAsync($"/v1/accounts/{id}/adjustments", new { amount = 1, reason = text })).IsProblem(400, "validation_failed");
        (await Admin.FetchAsync($"/v1/accounts/{id}/balance")).Dec("balances.0.total").ShouldBe(5);
    }

    [Theory]
    [InlineData("from=1/2/2026")]
    [InlineData("to=2026.12.01")]
    [InlineData("from=Dec%201%202026")]
    public async Task History_dates_are_iso_8601_only(string query)
    {
        var id = await Admin.FundedAsync(1);

        (await Admin.FetchAsync($"/v1/accounts/{id}/entries?{query}")).IsProblem(400, "validation_failed");
        (await Admin.FetchAsync($"/v1/accounts/{id}/entries?from=2020-01-01&to=2999-01-01T00:00:00Z")).Is(200);
    }
}

/// <summary>Raw bytes on the wire, for bodies a .NET string cannot hold (invalid UTF-8).</summary>
internal static class RawBodies
{
    public static async Task<Answer> SendBytesAsync(this HttpClient client, HttpMethod method, string path, byte[] body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var response = await client.SendAsync(request);
        return new Answer(response.StatusCode, response, await response.Content.ReadAsStringAsync());
    }
}
