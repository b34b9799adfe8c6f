using System.Text;
using Shouldly;
using Tally.TestSupport.Server;
using Xunit;

namespace Tally.Server.Tests;

public abstract partial class ApiTests<TFixture>
{
    /// <summary>
    /// Every mutation endpoint gets every body of the hostile corpus (<see cref="HostileCorpus"/>):
    /// each must answer a 4xx problem — never a 2xx, never a 5xx — and the journal must not move.
    /// </summary>
    [Fact]
    public async Task Every_endpoint_answers_the_hostile_corpus_with_4xx_and_changes_nothing()
    {
        var id = await Admin.FundedAsync(50);
        var other = await Admin.FundedAsync(50);
        var hold = (await Admin.PostAsync($"/v1/accounts/{id}/holds", new { amount = 5 })).Is(201).Node("id").GetValue<string>();
        var entry = (await Admin.PostAsync($"/v1/accounts/{id}/charges", new { amount = 1 })).Is(201).Node("entry.id").GetValue<string>();
        var before = (await SeqAsync(id), await SeqAsync(other));
        var keys = (await Admin.FetchAsync("/v1/api-keys")).Json["data"]!.AsArray().Count;
        var features = (await Admin.FetchAsync("/v1/features")).Json["data"]!.AsArray().Count;
        var units = (await Admin.FetchAsync("/v1/units")).Json["data"]!.AsArray().Count;
        string[] routes =
        [
            $"PUT /v1/accounts/{id}", $"POST /v1/accounts/{id}/grants", $"POST /v1/accounts/{id}/charges", $"POST /v1/accounts/{id}/holds",
            $"POST /v1/holds/{hold}/capture", $"POST /v1/holds/{hold}/release", $"POST /v1/entries/{entry}/reverse",
            $"POST /v1/accounts/{id}/adjustments", $"POST /v1/accounts/{id}/freeze", $"POST /v1/accounts/{id}/unfreeze",
            "POST /v1/transfers", "POST /v1/batch", "POST /v1/units", "POST /v1/features", "PATCH /v1/features/nope", "POST /v1/api-keys",
            "DELETE /v1/api-keys/key_nope", $"POST /v1/accounts/{id}/client-tokens",
        ];

        var answered = new Dictionary<int, int>();
        foreach (var route in routes)
        {
            var (method, path) = (route.Split(' ')[0], route.Split(' ')[1]);
            foreach (var body in HostileCorpus.Bodies(other))
            {
                var answer = await Admin.SendBytesAsync(new HttpMethod(method), path, body);
                answered[answer.Code] = answered.GetValueOrDefault(answer.Code) + 1;
                answer.Code.ShouldBeInRange(400, 499, $"{route} with {Encoding.UTF8.GetString(body)[..Math.Min(200, body.Length)]}: {answer.Text}");
                answer.Message.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
            }
        }

        (await SeqAsync(id), await SeqAsync(other)).ShouldBe(before, string.Join(", ", answered.Select(p => $"{p.Key}×{p.Value}")));
        (await Admin.FetchAsync("/v1/api-keys")).Json["data"]!.AsArray().Count.ShouldBe(keys);
        (await Admin.FetchAsync("/v1/features")).Json["data"]!.AsArray().Count.ShouldBe(features);
        (await Admin.FetchAsync("/v1/units")).Json["data"]!.AsArray().Count.ShouldBe(units);
        await ShouldHoldInvariantsAsync();
    }
}

/// <summary>
/// Bodies no endpoint may accept (the hardening issue's corpus): invalid UTF-8 sequences and lone
/// surrogates in names and values, nesting from 1 to 200 levels, duplicate members, and numbers
/// from 1e-7 to 1e309 and past 64 bits in every numeric field.
/// </summary>
internal static class HostileCorpus
{
    private static readonly string[] InvalidUtf8 = ["80", "c0af", "eda080", "f888808080", "ff", "c328"];
    private static readonly string[] Surrogates = ["\\ud800", "\\udfff", "\\ud800\\u0041", "x\\udc00"];
    private static readonly int[] Depths = [1, 2, 5, 10, 31, 32, 33, 50, 100, 200];
    private static readonly string[] NumericFields = ["amount", "quantity", "priority", "ttlSeconds", "precision", "cost", "overdraftLimit", "lowBalanceThreshold"];

    private static readonly string[] Numbers =
    [
        "1e-7", "0.0000001", "1e7", "1e19", "1e23", "1e27", "1e28", "7.9e28", "1e29", "1e308", "1e309", "-1e309",
        "9223372036854775808", "-9223372036854775809", "123456789012345678901234567890",
    ];

    public static IEnumerable<byte[]> Bodies(string account)
    {
        foreach (var hex in InvalidUtf8)
        {
            var bad = Convert.FromHexString(hex);
            yield return Join("{\"description\":\"", bad, "\"}");
            yield return Join("{\"name\":\"", bad, "\",\"scopes\":[\"read\"]}");
            yield return Join("{\"", bad, "\":1}");
            yield return Join("{\"mode\":\"atomic\",\"operations\":[{\"op\":\"charge\",\"account\":\"" + account + "\",\"amount\":1,\"reason\":\"", bad, "\"}]}");
            yield return bad;
        }

        foreach (var surrogate in Surrogates)
        {
            yield return Utf8("{\"description\":\"" + surrogate + "\"}");
            yield return Utf8("{\"" + surrogate + "\":1}");
            yield return Utf8("{\"amount\":1,\"metadata\":{\"note\":\"" + surrogate + "\"}}");
        }

        foreach (var depth in Depths)
        {
            yield return Utf8(string.Concat(Enumerable.Repeat("{\"evil\":", depth)) + "1" + new string('}', depth));
            yield return Utf8(new string('[', depth) + new string(']', depth));
            if (depth >= 32)
            {
                yield return Utf8("{\"amount\":1,\"metadata\":" + string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth) + "}");
            }
        }

        yield return Utf8("{\"amount\":1,\"amount\":1}");
        yield return Utf8("{\"reason\":\"x\",\"reason\":\"x\"}");
        yield return Utf8("{\"amount\":1,\"metadata\":{\"a\":1,\"a\":2}}");
        yield return Utf8("{\"mode\":\"atomic\",\"mode\":\"atomic\",\"operations\":[]}");

        foreach (var field in NumericFields)
        {
            foreach (var number in Numbers)
            {
                yield return Utf8("{\"" + field + "\":" + number + "}");
            }
        }
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Join(string before, byte[] middle, string after) => [.. Utf8(before), .. middle, .. Utf8(after)];
}
