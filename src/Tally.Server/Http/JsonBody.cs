using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Tally.Server.Http;

/// <summary>A request body read strictly: the DTO, which of its properties were present, and the raw bytes.</summary>
public sealed record JsonBody<T>(T Value, IReadOnlySet<string> Present, byte[] Raw);

/// <summary>
/// Reads mutation bodies strictly, in this order: media type (415), size (413), JSON syntax,
/// encoding, duplicate members, depth (<see cref="StrictJson"/>) and unknown properties (400
/// malformed_request), then property types (400 validation_failed naming the field). Either a body or the problem answer, never an exception for bad input.
/// </summary>
public static class JsonBodyReader
{
    public static async Task<(JsonBody<T>? Body, IResult? Problem)> ReadAsync<T>(HttpContext http, long limitBytes, bool allowEmpty, CancellationToken ct)
    {
        var raw = await ReadBytesAsync(http, limitBytes, ct);
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

    /// <summary>
    /// Parses and checks a JSON object against <typeparamref name="T"/>'s properties: one forward
    /// scan checks the syntax and the top-level names, then the bytes are deserialized once.
    /// </summary>
    public static (JsonBody<T>? Body, IResult? Problem) Parse<T>(HttpContext http, byte[] bytes)
    {
        var traceId = Problems.TraceId(http);
        if (StrictJson.Check(bytes) is { } malformed)
        {
            return (null, Problems.Result(Problems.Malformed(traceId, malformed)));
        }

        var info = (JsonTypeInfo<T>)TallyJson.Options.GetTypeInfo(typeof(T));
        var present = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = StrictJson.MaxDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return (null, Problems.Result(Problems.Malformed(traceId, "the body must be a JSON object")));
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                if (info.Properties.All(p => p.Name != name))
                {
                    return (null, Problems.Result(Problems.Malformed(traceId,
                        $"unknown field '{name}'; allowed: {string.Join(", ", info.Properties.Select(p => p.Name).Order(StringComparer.Ordinal))}")));
                }

                present.Add(name);
                reader.Skip();
            }

            while (reader.Read())
            {
                // Reading to the end makes the reader reject trailing content after the object.
            }
        }
        catch (JsonException e)
        {
            return (null, Problems.Result(Problems.Malformed(traceId, $"the body is not valid JSON: {e.Message}")));
        }

        try
        {
            return (new JsonBody<T>(JsonSerializer.Deserialize(bytes, info)!, present, bytes), null);
        }
        catch (JsonException e)
        {
            return (null, Problems.Result(Problems.Validation(traceId, FieldOf(e.Path), Reason(e, info))));
        }
    }

    /// <summary>Binds one JSON object (a body, or an operation inside a batch) to <typeparamref name="T"/>.</summary>
    /// <param name="element">The object.</param>
    /// <param name="traceId">For problem documents.</param>
    /// <param name="fieldPrefix">Prefixed to field names in errors (<c>operations[3].</c>).</param>
    /// <param name="extra">Members allowed beside <typeparamref name="T"/>'s, read by the caller (a batch operation's <c>op</c>).</param>
    public static (T? Value, IReadOnlySet<string>? Present, IResult? Problem) Bind<T>(JsonElement element, string traceId, string fieldPrefix, IReadOnlyCollection<string> extra)
    {
        ArgumentNullException.ThrowIfNull(extra);
        if (element.ValueKind != JsonValueKind.Object)
        {
            return (default, null, Problems.Result(Problems.Malformed(traceId, $"{Where(fieldPrefix)}must be a JSON object")));
        }

        var info = (JsonTypeInfo<T>)TallyJson.Options.GetTypeInfo(typeof(T));
        var known = info.Properties.Select(p => p.Name).Concat(extra).ToHashSet(StringComparer.Ordinal);
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!known.Contains(property.Name))
            {
                return (default, null, Problems.Result(Problems.Malformed(traceId,
                    $"unknown field '{fieldPrefix}{property.Name}'; allowed: {string.Join(", ", known.Order(StringComparer.Ordinal))}")));
            }

            present.Add(property.Name);
        }

        try
        {
            return (element.Deserialize(info), present, null);
        }
        catch (JsonException e)
        {
            var field = fieldPrefix + FieldOf(e.Path);
            return (default, null, Problems.Result(Problems.Validation(traceId, field, Reason(e, info))));
        }
    }

    private static async Task<(byte[]? Bytes, IResult? Problem)> ReadBytesAsync(HttpContext http, long limit, CancellationToken ct)
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

    private static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "body";
        }

        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }

    /// <summary>
    /// Why a value could not be read: a converter of ours says so itself (<see cref="FieldValueException"/>);
    /// otherwise the reason follows from the type of the member the path names — never from the
    /// serializer's message text.
    /// </summary>
    private static string Reason(JsonException e, JsonTypeInfo info)
    {
        if (e is FieldValueException ours)
        {
            return ours.Reason;
        }

        var member = FieldOf(e.Path).Split('.', '[')[0];
        var type = info.Properties.FirstOrDefault(p => p.Name == member)?.PropertyType;
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(int) || type == typeof(long) => "must be a whole number in range",
            _ when type == typeof(decimal) => "must be a JSON number",
            _ when type == typeof(bool) => "must be true or false",
            _ when type == typeof(string) => "must be a string",
            _ when type == typeof(DateTimeOffset) => "must be an ISO 8601 timestamp",
            _ when type is not null && type != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(type) => "must be a list of strings",
            _ => "has the wrong type",
        };
    }

    private static string Where(string prefix) => prefix.Length == 0 ? "the body " : $"{prefix.TrimEnd('.')} ";
}
