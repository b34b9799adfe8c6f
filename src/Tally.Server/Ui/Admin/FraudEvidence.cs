using System.Globalization;
using System.Text.Json;

namespace Tally.Server.Ui.Admin;

/// <summary>A flag's evidence (a JSON object) as readable facts: each member's name and value, nested values compact.</summary>
internal static class FraudEvidence
{
    public static IReadOnlyList<(string Name, string Value)> Facts(string? evidence)
    {
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrEmpty(evidence) ? "{}" : evidence);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return [("evidence", Text(document.RootElement))];
            }

            return document.RootElement.EnumerateObject().Select(p => (Label(p.Name), Text(p.Value))).ToList();
        }
        catch (JsonException)
        {
            return [("evidence", evidence ?? "")];
        }
    }

    /// <summary>One line for the list: the first few facts.</summary>
    public static string Summary(string? evidence) =>
        string.Join("; ", Facts(evidence).Take(3).Select(f => $"{f.Name}: {(f.Value.Length > 60 ? f.Value[..60] + "…" : f.Value)}"));

    /// <summary>camelCase to words ("windowSeconds" → "window seconds").</summary>
    private static string Label(string name)
    {
        var words = new System.Text.StringBuilder();
        foreach (var c in name)
        {
            if (char.IsUpper(c) && words.Length > 0)
            {
                words.Append(' ');
            }

            words.Append(c == '_' ? ' ' : char.ToLowerInvariant(c));
        }

        return words.ToString();
    }

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.Number => value.TryGetInt64(out var n) ? n.ToString("N0", CultureInfo.InvariantCulture) : value.GetRawText(),
        JsonValueKind.Array => string.Join(", ", value.EnumerateArray().Select(Text)),
        JsonValueKind.True => "yes",
        JsonValueKind.False => "no",
        JsonValueKind.Null => "",
        _ => value.GetRawText(),
    };
}
