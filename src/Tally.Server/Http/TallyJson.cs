using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tally.Server.Http;

/// <summary>
/// The wire's JSON: camelCase, nulls written, unknown members refused, numbers only from JSON numbers (ASP.NET's web
/// defaults would read "10" as 10), decimals parsed exactly or refused.
/// </summary>
public static class TallyJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.General)
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DictionaryKeyPolicy = JsonNamingPolicy.CamelCase,
            NumberHandling = JsonNumberHandling.Strict,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            // Bodies are refused past 32 levels (StrictJson); what they stored (metadata) is then
            // written inside responses a few levels down, so writing allows twice that.
            MaxDepth = 2 * StrictJson.MaxDepth,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            // A member the request type does not have is refused, not ignored (docs/api.md, "Bodies").
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            // A batch operation's "op" may come anywhere in its object.
            AllowOutOfOrderMetadataProperties = true,
        };
        options.Converters.Add(new ExactDecimalConverter());
        options.Converters.Add(new UtcDateTimeConverter());
        // Source-generated contracts only: a type missing from TallyJsonContext fails (and a test
        // with it) instead of silently falling back to reflection on the hot path.
        options.TypeInfoResolver = TallyJsonContext.Default;
        options.MakeReadOnly();
        return options;
    }
}

/// <summary>
/// Reads a decimal from a JSON number token only, refusing values with more significant digits
/// than a decimal holds (which would otherwise be rounded silently), and writes it without an
/// exponent.
/// </summary>
public sealed class ExactDecimalConverter : JsonConverter<decimal>
{
    private const int MaxSignificantDigits = 28;

    public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            throw new FieldValueException("must be a JSON number");
        }

        var raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray();
        var text = System.Text.Encoding.ASCII.GetString(raw);
        if (SignificantDigits(text) > MaxSignificantDigits
            || !decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw new FieldValueException("is too large or too precise");
        }

        return value;
    }

    public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumberValue(value);
    }

    private static int SignificantDigits(string number)
    {
        var mantissa = number.Split('e', 'E')[0].TrimStart('-', '+');
        var digits = mantissa.Replace(".", "", StringComparison.Ordinal).TrimStart('0');
        if (mantissa.Contains('.', StringComparison.Ordinal))
        {
            digits = digits.TrimEnd('0');
        }

        return digits.Length;
    }
}

/// <summary>Writes instants as ISO 8601 UTC with a Z; reads any ISO 8601 instant.</summary>
public sealed class UtcDateTimeConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String || !reader.TryGetDateTimeOffset(out var value))
        {
            throw new FieldValueException("must be an ISO 8601 timestamp string, e.g. 2026-12-31T00:00:00Z");
        }

        return value;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(Format(value));
    }

    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture);
}

/// <summary>A value our converters refuse, with the reason to show the caller as is.</summary>
public sealed class FieldValueException : JsonException
{
    public FieldValueException()
    {
    }

    public FieldValueException(string message)
        : base(message)
    {
        Reason = message;
    }

    public FieldValueException(string message, Exception inner)
        : base(message, inner)
    {
        Reason = message;
    }

    /// <summary>The reason as the converter put it (the serializer may add position details to <see cref="Exception.Message"/>).</summary>
    public string Reason { get; } = "has the wrong value";
}
