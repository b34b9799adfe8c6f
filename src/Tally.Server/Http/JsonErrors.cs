using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace Tally.Server.Http;

/// <summary>
/// Says what a <see cref="JsonException"/> from the serializer means for the caller, from its
/// structured <see cref="JsonException.Path"/> and the serializer's own contract (never from the
/// message text): an unknown member (400 <c>malformed_request</c>), an unknown operation kind, or
/// a value of the wrong type for the member the path names (400 <c>validation_failed</c>).
/// </summary>
public static class JsonErrors
{
    /// <param name="e">What the serializer threw.</param>
    /// <param name="root">The contract of the whole body.</param>
    /// <param name="body">The body (well-formed: <see cref="StrictJson"/> passed), to tell which kind a polymorphic member is.</param>
    /// <param name="traceId">For the problem document.</param>
    public static ProblemDetails Describe(JsonException e, JsonTypeInfo root, byte[] body, string traceId)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(root);
        if (e is FieldValueException ours)
        {
            return Problems.Validation(traceId, FieldOf(e.Path), ours.Reason);
        }

        using var document = JsonDocument.Parse(body);
        var found = Resolve(root, document.RootElement, e.Path);
        return found switch
        {
            { Discriminator: { } name, Parent: { } parent } =>
                Problems.Validation(traceId, Join(FieldOf(e.Path), name), "must be one of " + string.Join(", ", Kinds(parent))),
            { Member: null, Parent: { } parent } =>
                Problems.Malformed(traceId, $"unknown field '{FieldOf(e.Path)}'{Allowed(parent)}"),
            { Member: { } type } => Problems.Validation(traceId, FieldOf(e.Path), Reason(type)),
            _ => Problems.Malformed(traceId, "the body does not match the request's shape"),
        };
    }

    /// <summary>The JSON path as a field name: <c>$.operations[3].amount</c> → <c>operations[3].amount</c>.</summary>
    public static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "body";
        }

        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }

    /// <summary>The discriminator values of a polymorphic contract (<c>grant, charge, …</c>).</summary>
    public static IEnumerable<string> Kinds(JsonTypeInfo info) =>
        info.PolymorphismOptions?.DerivedTypes.Select(d => d.TypeDiscriminator?.ToString() ?? "") ?? [];

    private sealed record Resolution(Type? Member, JsonTypeInfo? Parent, string? Discriminator);

    /// <summary>
    /// Walks the path through the contract and the document together: a name segment is a
    /// property of the current object (of a polymorphic one, of the kind its discriminator names),
    /// an index segment the element of a list. A path that stops on a polymorphic element is its
    /// discriminator; a name the contract does not know is an unknown member.
    /// </summary>
    private static Resolution Resolve(JsonTypeInfo root, JsonElement element, string? path)
    {
        var options = root.Options;
        var type = root.Type;
        JsonTypeInfo? parent = null;
        foreach (var (name, index) in Segments(path))
        {
            var info = options.GetTypeInfo(Unwrap(type));
            if (name is null)
            {
                type = ElementType(info.Type) ?? typeof(object);
                element = element.ValueKind == JsonValueKind.Array && index >= 0 && index < element.GetArrayLength() ? element[index] : default;
                continue;
            }

            parent = KindOf(info, element);
            if (parent is null)
            {
                break;
            }

            var property = parent.Properties.FirstOrDefault(p => p.Name == name);
            if (property is null)
            {
                return new Resolution(null, parent, null);
            }

            type = property.PropertyType;
            element = element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var member) ? member : default;
        }

        var last = options.GetTypeInfo(Unwrap(type));
        if (last.PolymorphismOptions is { } polymorphic)
        {
            return new Resolution(null, last, polymorphic.TypeDiscriminatorPropertyName);
        }

        return new Resolution(type, parent, null);
    }

    /// <summary>The contract of <paramref name="element"/>: <paramref name="info"/>, or for a polymorphic one the kind its discriminator names (null if none).</summary>
    private static JsonTypeInfo? KindOf(JsonTypeInfo info, JsonElement element)
    {
        if (info.PolymorphismOptions is not { } polymorphic)
        {
            return info;
        }

        if (element.ValueKind != JsonValueKind.Object
            || !element.TryGetProperty(polymorphic.TypeDiscriminatorPropertyName, out var kind)
            || kind.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var derived = polymorphic.DerivedTypes.FirstOrDefault(d => Equals(d.TypeDiscriminator, kind.GetString()));
        return derived.DerivedType is null ? null : info.Options.GetTypeInfo(derived.DerivedType);
    }

    /// <summary>A JSON path's segments: a member name, or (null, index) for <c>[index]</c>.</summary>
    private static IEnumerable<(string? Name, int Index)> Segments(string? path)
    {
        var rest = (path ?? "$").TrimStart('$');
        var start = 0;
        for (var i = 0; i <= rest.Length; i++)
        {
            if (i == rest.Length || rest[i] is '.' or '[')
            {
                if (i > start)
                {
                    var segment = rest[start..i];
                    yield return segment.EndsWith(']')
                        ? (null, int.TryParse(segment.AsSpan(1, segment.Length - 2), System.Globalization.CultureInfo.InvariantCulture, out var index) ? index : -1)
                        : (segment, 0);
                }

                start = i < rest.Length && rest[i] == '.' ? i + 1 : i;
            }
        }
    }

    private static Type Unwrap(Type type) => Nullable.GetUnderlyingType(type) ?? type;

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    private static string Reason(Type type)
    {
        type = Unwrap(type);
        return type switch
        {
            _ when type == typeof(int) || type == typeof(long) => "must be a whole number in range",
            _ when type == typeof(decimal) => "must be a JSON number",
            _ when type == typeof(bool) => "must be true or false",
            _ when type == typeof(string) => "must be a string",
            _ when type == typeof(DateTimeOffset) => "must be an ISO 8601 timestamp",
            _ when ElementType(type) == typeof(string) => "must be a list of strings",
            _ when ElementType(type) is not null => "must be a list",
            _ => "has the wrong type",
        };
    }

    private static string Allowed(JsonTypeInfo parent)
    {
        if (parent.PolymorphismOptions is not null)
        {
            return "";
        }

        return "; allowed: " + string.Join(", ", parent.Properties.Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    private static string Join(string field, string member) => field == "body" ? member : $"{field}.{member}";
}
