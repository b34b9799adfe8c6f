using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Shouldly;

namespace Tally.TestSupport.Server;

/// <summary>A response read once: status, headers, body text and parsed JSON.</summary>
public sealed record Answer(HttpStatusCode Status, HttpResponseMessage Message, string Text)
{
    public int Code => (int)Status;

    public JsonNode Json => JsonNode.Parse(Text) ?? throw new InvalidOperationException("no JSON body");

    public string? ProblemCode => Message.Content.Headers.ContentType?.MediaType == "application/problem+json" ? Json["code"]?.GetValue<string>() : null;

    public decimal Dec(string path) => Node(path).GetValue<decimal>();

    public JsonNode Node(string path)
    {
        JsonNode? node = Json;
        foreach (var part in path.Split('.'))
        {
            node = int.TryParse(part, out var i) ? node?[i] : node?[part];
        }

        return node ?? throw new InvalidOperationException($"no {path} in {Text}");
    }

    public Answer Is(int status)
    {
        Code.ShouldBe(status, Text);
        return this;
    }

    public Answer IsProblem(int status, string code)
    {
        Code.ShouldBe(status, Text);
        Message.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        ProblemCode.ShouldBe(code, Text);
        return this;
    }
}

/// <summary>Terse HTTP calls for tests.</summary>
public static class Api
{
    public static async Task<Answer> SendAsync(this HttpClient client, HttpMethod method, string path, object? body = null, string? idempotencyKey = null, string? rawBody = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (rawBody is not null)
        {
            request.Content = new StringContent(rawBody, Encoding.UTF8);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }
        else if (body is not null)
        {
            request.Content = new StringContent(body is string s ? s : JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        var response = await client.SendAsync(request);
        return new Answer(response.StatusCode, response, await response.Content.ReadAsStringAsync());
    }

    public static Task<Answer> FetchAsync(this HttpClient client, string path) => client.SendAsync(HttpMethod.Get, path);

    public static Task<Answer> PostAsync(this HttpClient client, string path, object? body = null, string? idempotencyKey = null) =>
        client.SendAsync(HttpMethod.Post, path, body ?? new { }, idempotencyKey);

    public static Task<Answer> PutAsync(this HttpClient client, string path, object? body = null) => client.SendAsync(HttpMethod.Put, path, body ?? new { });

    public static string NewAccount(string prefix = "acc") => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>A new account holding exactly <paramref name="credits"/> (signup grant drained or topped up).</summary>
    public static async Task<string> FundedAsync(this HttpClient client, decimal credits)
    {
        var id = NewAccount();
        (await client.PutAsync($"/v1/accounts/{id}")).Is(201);
        var total = (await client.FetchAsync($"/v1/accounts/{id}/balance")).Dec("balances.0.total");
        if (credits > total)
        {
            (await client.PostAsync($"/v1/accounts/{id}/grants", new { amount = credits - total })).Is(201);
        }
        else if (credits < total)
        {
            (await client.PostAsync($"/v1/accounts/{id}/charges", new { amount = total - credits })).Is(201);
        }

        return id;
    }
}
