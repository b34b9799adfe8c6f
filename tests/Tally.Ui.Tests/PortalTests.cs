using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace Tally.Ui.Tests;

/// <summary>What the portal tests ask of the API (as a host app's backend would) and how they open the portal.</summary>
internal static class PortalApi
{
    /// <summary>Opens the portal for <paramref name="account"/> in <paramref name="page"/> through a fresh link.</summary>
    public static async Task OpenPortalAsync(IPage page, TallyTestServer server, string account)
    {
        using var http = server.CreateHttpClient(server.AdminKey);
        using var response = await http.PostAsJsonAsync(new Uri($"v1/accounts/{account}/portal-links", UriKind.Relative), new JsonObject());
        response.EnsureSuccessStatusCode();
        var link = (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["url"]!;
        await page.GotoAsync(link);
        await page.ExpectUrlAsync("**/portal");
    }

    public static Task<JsonObject> GrantAsync(TallyTestServer server, string account, decimal amount, string? source = null) =>
        PostAsync(server, $"v1/accounts/{account}/grants", source is null ? new JsonObject { ["amount"] = amount } : new JsonObject { ["amount"] = amount, ["source"] = source });

    public static Task<JsonObject> ChargeAsync(TallyTestServer server, string account, decimal amount, string? description = null, string? feature = null)
    {
        var body = new JsonObject { ["amount"] = amount };
        if (description is not null)
        {
            body["description"] = description;
        }

        if (feature is not null)
        {
            body["feature"] = feature;
        }

        return PostAsync(server, $"v1/accounts/{account}/charges", body);
    }

    public static Task<JsonObject> ChargeFeatureAsync(TallyTestServer server, string account, string feature, decimal quantity) =>
        PostAsync(server, $"v1/accounts/{account}/charges", new JsonObject { ["feature"] = feature, ["quantity"] = quantity });

    public static async Task<JsonObject> PostAsync(TallyTestServer server, string path, JsonObject body)
    {
        using var http = server.CreateHttpClient(server.AdminKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"{path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>The account's available default-unit balance, from the API.</summary>
    public static async Task<decimal> AvailableAsync(TallyTestServer server, string account)
    {
        using var http = server.CreateHttpClient(server.AdminKey);
        var body = await http.GetFromJsonAsync<JsonObject>(new Uri($"v1/accounts/{account}/balance", UriKind.Relative));
        var balances = body!["balances"]!.AsArray();
        return balances.FirstOrDefault(b => (string?)b!["unit"] == "credits")?["available"]?.GetValue<decimal>() ?? 0;
    }

    /// <summary>A number as the portal shows it ("1,500").</summary>
    public static string Shown(decimal value) => value.ToString("#,0.######", CultureInfo.InvariantCulture);

    /// <summary>The live balance card's number.</summary>
    public static ILocator LiveBalance(IPage page, string unit = "credits") => page.Locator($"[data-live-balance] [data-unit=\"{unit}\"] [data-field=\"available\"]");
}
