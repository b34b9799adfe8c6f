using System.Text.Json;
using Tally.Ledger.Engine;
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

        // An array or a scalar is refused by the same rule as an oversized object (FieldRules.Metadata).
        var text = element.ValueKind == JsonValueKind.Object ? JsonSerializer.Serialize(element, TallyJson.Options) : element.GetRawText();
        if (FieldRules.Metadata(text) is { } problem)
        {
            errors["metadata"] = [problem];
            return null;
        }

        return text;
    }
}
