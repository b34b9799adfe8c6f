using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tally.Client;

/// <summary>
/// Sends requests to Tally: JSON in and out, an Idempotency-Key on every mutation (made once per
/// logical call, so the resilience pipeline's retries reuse it and cannot double-charge), and
/// problem documents turned into typed exceptions.
/// </summary>
public sealed class TallyTransport(HttpClient http)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.Strict,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, string? idempotencyKey, CancellationToken ct)
    {
        using var response = await SendRawAsync(method, path, body, idempotencyKey, ct);
        return await response.Content.ReadFromJsonAsync<T>(Json, ct)
            ?? throw new TallyApiException($"Tally answered {(int)response.StatusCode} with an empty body");
    }

    public async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, object? body, string? idempotencyKey, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        }

        if (method != HttpMethod.Get)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey ?? Guid.NewGuid().ToString("N"));
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new TallyUnavailableException($"Tally could not be reached: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new TallyUnavailableException("Tally did not answer in time", e);
        }
        catch (Polly.Timeout.TimeoutRejectedException e)
        {
            throw new TallyUnavailableException("Tally did not answer in time", e);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ErrorAsync(response, ct);
        }
    }

    private static async Task<Exception> ErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var status = response.StatusCode;
        if ((int)status >= 500)
        {
            return new TallyUnavailableException($"Tally answered {(int)status}");
        }

        JsonElement problem;
        try
        {
            problem = await response.Content.ReadFromJsonAsync<JsonElement>(Json, ct);
        }
        catch (JsonException)
        {
            problem = default;
        }

        string? Text(string name) => problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var code = Text("code") ?? ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (detail, trace) = (Text("detail"), Text("traceId"));
        return status switch
        {
            HttpStatusCode.PaymentRequired => new TallyInsufficientCreditsException(status, code, detail, trace, problem),
            HttpStatusCode.Locked => new TallyAccountFrozenException(status, code, detail, trace, problem),
            HttpStatusCode.Conflict => new TallyConflictException(status, code, detail, trace, problem),
            HttpStatusCode.TooManyRequests => new TallyRateLimitedException(status, code, detail, trace, problem, response.Headers.RetryAfter?.Delta),
            HttpStatusCode.BadRequest => new TallyValidationException(status, code, detail, trace, problem),
            HttpStatusCode.NotFound => new TallyNotFoundException(status, code, detail, trace, problem),
            _ => new TallyApiException(status, code, detail, trace, problem),
        };
    }
}
