using System.Text.Json;
using Shouldly;
using Xunit;
using Tally.TestSupport.Server;

namespace Tally.Server.Tests;

public abstract partial class ApiTests<TFixture>
{
    [Fact]
    public async Task Five_hundred_parallel_charges_against_one_hundred_credits_let_exactly_one_hundred_through()
    {
        var id = await Admin.FundedAsync(100);
        using var gate = new SemaphoreSlim(64);

        var answers = await Task.WhenAll(Enumerable.Range(0, 500).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                return await Admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 1 });
            }
            finally
            {
                gate.Release();
            }
        }));

        answers.Count(a => a.Code == 201).ShouldBe(100);
        answers.Count(a => a.Code == 402).ShouldBe(400);
        (await Admin.FetchAsync($"/v1/accounts/{id}/balance")).Dec("balances.0.total").ShouldBe(0);
        await ShouldHoldInvariantsAsync();
    }

    /// <summary>Hostile bodies for every mutation: none may answer 5xx or change the journal.</summary>
    [Fact]
    public async Task A_thousand_hostile_bodies_get_only_4xx_and_change_nothing()
    {
        var id = await Admin.FundedAsync(50);
        var hold = (await Admin.PostAsync($"/v1/accounts/{id}/holds", new { amount = 5 })).Is(201).Node("id").GetValue<string>();
        var entry = (await Admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 1 })).Is(201).Node("entry.id").GetValue<string>();
        var before = (await Admin.FetchAsync($"/v1/accounts/{id}/balance")).Node("seq").GetValue<long>();
        string[] routes =
        [
            $"PUT /v1/accounts/{id}", $"POST /v1/accounts/{id}/grants", $"POST /v1/accounts/{id}/charges", $"POST /v1/accounts/{id}/holds",
            $"POST /v1/holds/{hold}/capture", $"POST /v1/entries/{entry}/reverse", $"POST /v1/accounts/{id}/adjustments",
            $"POST /v1/accounts/{id}/freeze", "POST /v1/transfers", "POST /v1/batch", "POST /v1/features", "POST /v1/units",
            "POST /v1/api-keys", $"POST /v1/accounts/{id}/client-tokens",
        ];
        var random = new Random(20261125);
        var statuses = new Dictionary<int, int>();
        for (var i = 0; i < 1050; i++)
        {
            var route = routes[i % routes.Length].Split(' ');
            var body = Hostile.Body(random, id);
            var answer = await Admin.SendAsync(new HttpMethod(route[0]), route[1], rawBody: body, contentType: random.Next(12) == 0 ? "text/plain" : "application/json");
            statuses[answer.Code] = statuses.GetValueOrDefault(answer.Code) + 1;
            answer.Code.ShouldBeLessThan(500, $"{route[0]} {route[1]} with {body}: {answer.Text}");
            if (answer.Code >= 400)
            {
                answer.Message.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
            }
        }

        statuses.Keys.ShouldAllBe(s => s >= 400 && s < 500, string.Join(", ", statuses.Select(p => $"{p.Key}×{p.Value}")));
        (await Admin.FetchAsync($"/v1/accounts/{id}/balance")).Node("seq").GetValue<long>().ShouldBe(before);
        await ShouldHoldInvariantsAsync();
    }
}

/// <summary>Generates bodies no mutation may accept: bad JSON, wrong types, hostile numbers and strings.</summary>
internal static class Hostile
{
    private static readonly string[] Values =
    [
        "null", "true", "\"10\"", "-1", "0", "-0", "1e309", "-1e309", "1e-400", "123456789012345678901234567890", "0.0000001",
        "NaN", "Infinity", "[]", "{}", "[1,2,3]", "\"\"", "\"\\u0000\"", "\"" + new string('x', 5000) + "\"", "9223372036854775808",
        "-9223372036854775809", "1.5", "\"2026-13-45T99:99:99Z\"", "\"2020-01-01T00:00:00Z\"", "{\"$ref\":\"#\"}", "\"<script>\"",
    ];

    private static readonly string[] Fields =
    [
        "amount", "unit", "feature", "quantity", "priority", "expiresAt", "effectiveAt", "features", "ttlSeconds", "metadata",
        "overdraftLimit", "lowBalanceThreshold", "tier", "from", "to", "mode", "operations", "scopes", "name", "key", "precision",
        "cost", "reason", "source", "evil", "__proto__",
    ];

    public static string Body(Random random, string account) => random.Next(10) switch
    {
        0 => Garbage(random),
        1 => new string('[', random.Next(1, 200)),
        2 => "{\"amount\": " + new string('9', random.Next(20, 400)) + "}",
        3 => "{\"operations\": [" + string.Join(",", Enumerable.Range(0, random.Next(1, 5)).Select(_ => Object(random, account))) + "], \"mode\": \"atomic\"}",
        _ => Object(random, account),
    };

    /// <summary>Entries no route accepts: an unknown field, or a known field with a value of the wrong type.</summary>
    private static readonly string[] AlwaysBad =
    [
        "\"evil\": 1", "\"amount\": \"10\"", "\"amount\": -1", "\"priority\": \"high\"", "\"ttlSeconds\": 1.5",
        "\"scopes\": 5", "\"metadata\": [1]", "\"precision\": \"2\"", "\"cost\": \"free\"", "\"from\": 42",
    ];

    private static string Object(Random random, string account)
    {
        var fields = Enumerable.Range(0, random.Next(0, 4))
            .Select(_ => $"\"{Fields[random.Next(Fields.Length)]}\": {Values[random.Next(Values.Length)]}")
            .Append(AlwaysBad[random.Next(AlwaysBad.Length)])
            .DistinctBy(f => f.Split(':')[0]);
        var op = random.Next(3) == 0 ? $"\"op\": \"charge\", \"account\": \"{account}\", " : "";
        return "{" + op + string.Join(", ", fields) + "}";
    }

    private static string Garbage(Random random)
    {
        var bytes = new byte[random.Next(1, 300)];
        random.NextBytes(bytes);
        return JsonSerializer.Serialize(Convert.ToBase64String(bytes))[..Math.Min(50, bytes.Length)] + "\u0001\ufffe";
    }
}
