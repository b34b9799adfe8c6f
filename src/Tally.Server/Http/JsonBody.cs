using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Tally.Server.Hosting;

namespace Tally.Server.Http;

/// <summary>A request body read strictly: the DTO and the raw bytes.</summary>
public sealed record JsonBody<T>(T Value, byte[] Raw)
{
    /// <summary>Whether the body's object names <paramref name="member"/> (a PATCH tells "set to null" from "leave").</summary>
    public bool Has(string member)
    {
        var reader = new Utf8JsonReader(Raw);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(member))
            {
                return true;
            }

            reader.Skip();
        }

        return false;
    }
}

/// <summary>
/// Reads mutation bodies strictly, in this order: media type (415), size (413), JSON syntax,
/// encoding, duplicate members, depth (<see cref="StrictJson"/>) (400 malformed_request), then
/// the serializer binds the body with unknown members disallowed (400 malformed_request) and
/// strict types (400 validation_failed naming the field, <see cref="JsonErrors"/>). Either a body
/// or the problem answer, never an exception for bad input.
/// </summary>
public static class JsonBodyReader
{
    /// <param name="http">The request.</param>
    /// <param name="allowEmpty">Whether no body at all reads as <c>{}</c>.</param>
    /// <param name="batch">Whether the batch endpoint's larger size limit applies.</param>
    public static async Task<(JsonBody<T>? Body, BytesResult? Problem)> ReadAsync<T>(HttpContext http, bool allowEmpty = false, bool batch = false)
    {
        ArgumentNullException.ThrowIfNull(http);
        var settings = http.RequestServices.GetRequiredService<IOptions<TallyOptions>>().Value;
        var raw = await ReadBytesAsync(http, batch ? settings.MaxBatchBodyBytes : settings.MaxBodyBytes, http.RequestAborted);
        if (raw.Problem is not null)
        {
            return (null, raw.Problem);
        }

        var bytes = raw.Bytes!;
        if (bytes.Length == 0 || bytes.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
        {
            return allowEmpty
                ? Parse<T>(http, "{}"u8.ToArray())
                : (null, Problems.Result(Problems.Malformed(Problems.TraceId(http), "the request needs a JSON object body")));
        }

        if (!IsJson(http.Request.ContentType))
        {
            return (null, Problems.Result(http, StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type",
                "send the body as application/json"));
        }

        return Parse<T>(http, bytes);
    }

    /// <summary>Checks the bytes (<see cref="StrictJson"/>), then deserializes them once.</summary>
    public static (JsonBody<T>? Body, BytesResult? Problem) Parse<T>(HttpContext http, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var traceId = Problems.TraceId(http);
        if (StrictJson.Check(bytes) is { } malformed)
        {
            return (null, Problems.Result(Problems.Malformed(traceId, malformed)));
        }

        if (bytes.AsSpan().TrimStart(" \t\r\n"u8) is not [(byte)'{', ..])
        {
            return (null, Problems.Result(Problems.Malformed(traceId, "the body must be a JSON object")));
        }

        var info = (JsonTypeInfo<T>)TallyJson.Options.GetTypeInfo(typeof(T));
        try
        {
            return (new JsonBody<T>(JsonSerializer.Deserialize(bytes, info)!, bytes), null);
        }
        catch (JsonException e)
        {
            return (null, Problems.Result(JsonErrors.Describe(e, info, bytes, traceId)));
        }
        catch (NotSupportedException)
        {
            // The one failure the serializer reports without a path: a polymorphic member (a
            // batch operation) that names no kind.
            return (null, Problems.Result(MissingKind(bytes, info, traceId)));
        }
    }

    /// <summary>The raw body, read no further than <paramref name="limit"/> bytes (413 beyond it), for bodies that are verified byte for byte (webhooks).</summary>
    public static async Task<(byte[]? Bytes, BytesResult? Problem)> ReadBytesAsync(HttpContext http, long limit, CancellationToken ct)
    {
        if (http.Request.ContentLength is { } length && length > limit)
        {
            return (null, TooLarge(http, limit));
        }

        var reader = http.Request.BodyReader;
        while (true)
        {
            ReadResult read;
            try
            {
                read = await reader.ReadAsync(ct);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return (null, TooLarge(http, limit));
            }

            if (read.Buffer.Length > limit)
            {
                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                return (null, TooLarge(http, limit));
            }

            if (read.IsCompleted)
            {
                var bytes = read.Buffer.ToArray();
                reader.AdvanceTo(read.Buffer.End);
                return (bytes, null);
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    private static BytesResult TooLarge(HttpContext http, long limit)
    {
        // The rest of an oversized body is not read; close the connection after answering.
        http.Response.Headers.Connection = "close";
        return Problems.Result(http, StatusCodes.Status413PayloadTooLarge, "payload_too_large", $"the body is over the {limit / 1024} KiB limit");
    }

    private static bool IsJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return false;
        }

        var media = contentType.Split(';', 2)[0].Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && media.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    private static ProblemDetails MissingKind(byte[] bytes, JsonTypeInfo info, string traceId)
    {
        foreach (var property in info.Properties)
        {
            var element = ElementInfo(property);
            if (element?.PolymorphismOptions is not { } polymorphic)
            {
                continue;
            }

            using var document = JsonDocument.Parse(bytes);
            if (document.RootElement.TryGetProperty(property.Name, out var list) && list.ValueKind == JsonValueKind.Array)
            {
                var index = list.EnumerateArray().TakeWhile(item => item.ValueKind != JsonValueKind.Object || item.TryGetProperty(polymorphic.TypeDiscriminatorPropertyName, out _)).Count();
                return Problems.Validation(traceId, $"{property.Name}[{index}].{polymorphic.TypeDiscriminatorPropertyName}",
                    "is required: one of " + string.Join(", ", JsonErrors.Kinds(element)));
            }
        }

        return Problems.Malformed(traceId, "the body does not match the request's shape");
    }

    private static JsonTypeInfo? ElementInfo(JsonPropertyInfo property)
    {
        var type = property.PropertyType;
        var element = type.IsGenericType ? type.GetGenericArguments()[0] : type.GetElementType();
        return element is null ? null : property.Options.GetTypeInfo(element);
    }
}
