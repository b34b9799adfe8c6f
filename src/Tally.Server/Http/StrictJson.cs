using System.Text.Json;
using System.Text.Unicode;

namespace Tally.Server.Http;

/// <summary>
/// What <see cref="Utf8JsonReader"/> checks only when a value is read, checked for a whole body
/// before anything else reads it: every string and name is well-formed UTF-8 and, once unescaped,
/// well-formed UTF-16 (no lone surrogate such as <c>"\ud800"</c>); no object names a member twice;
/// nesting is at most <see cref="MaxDepth"/> deep. A body that passes can be stored, rendered and
/// replayed exactly; one that fails is answered 400 <c>malformed_request</c>, never a 500 or a
/// silent U+FFFD.
/// </summary>
public static class StrictJson
{
    /// <summary>Deepest nesting accepted anywhere in a body, <c>metadata</c> included (docs/api.md, "Bodies").</summary>
    public const int MaxDepth = 32;

    /// <summary>Null when <paramref name="json"/> is acceptable; else what is wrong, for the problem's detail.</summary>
    public static string? Check(ReadOnlySpan<byte> json)
    {
        // One level of slack so that this loop, not the reader, sees the excess and says so.
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth + 1 });
        var names = new Stack<HashSet<string>>();
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= MaxDepth)
                {
                    return $"the body nests deeper than {MaxDepth} levels";
                }

                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        names.Push(new HashSet<string>(StringComparer.Ordinal));
                        break;
                    case JsonTokenType.EndObject:
                        names.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        if (!names.Peek().Add(name))
                        {
                            return $"the member '{Printable(name)}' appears twice in one object";
                        }

                        break;
                    case JsonTokenType.String when reader.ValueIsEscaped || reader.HasValueSequence:
                        _ = reader.GetString();
                        break;
                    case JsonTokenType.String when !Utf8.IsValid(reader.ValueSpan):
                        return "a string is not valid UTF-8";
                    default:
                        break;
                }
            }
        }
        catch (JsonException e)
        {
            return $"the body is not valid JSON ({Position(e)})";
        }
        catch (InvalidOperationException)
        {
            // GetString refuses invalid UTF-8 and unpaired surrogate escapes.
            return "a string is not valid UTF-8 or holds an unpaired surrogate";
        }

        return null;
    }

    private static string Position(JsonException e) =>
        e.LineNumber is { } line && e.BytePositionInLine is { } at ? $"line {line + 1}, byte {at + 1}" : "at its end";

    /// <summary>A name as it may appear in a message: control characters shown as '?'.</summary>
    private static string Printable(string name)
    {
        var shown = name.Length > 64 ? name[..64] + "…" : name;
        return string.Create(shown.Length, shown, (span, text) =>
        {
            for (var i = 0; i < text.Length; i++)
            {
                span[i] = char.IsControl(text[i]) ? '?' : text[i];
            }
        });
    }
}
