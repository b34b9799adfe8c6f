using System.Text.Json;
using Tally.Server.Http;

namespace Tally.Server.Contracts;

/// <summary>Metadata is stored as the JSON text the client sent (an object ≤ 8 KiB).</summary>
public static class MetadataJson
{
    private static readonly JsonElement Empty = JsonDocument.Parse("{}").RootElement.Clone();

    public static JsonElement Parse(string? json)
    {
        if (string.IsNullOrEmpty(json) || json == "{}")
        {
            return Empty;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>The compact JSON text of a metadata object, or the field error.</summary>
    public static string? Metadata(JsonElement? value, Dictionary<string, string[]> errors)
    {
        if (value is not { } element || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            errors["metadata"] = ["must be a JSON object"];
            return null;
        }

        var text = JsonSerializer.Serialize(element, TallyJson.Options);
        if (System.Text.Encoding.UTF8.GetByteCount(text) > 8 * 1024)
        {
            errors["metadata"] = ["must be a JSON object of at most 8 KiB"];
            return null;
        }

        return text;
    }
}
