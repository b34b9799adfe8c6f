using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace Tally.Server.Http;

/// <summary>
/// The problem answers a handler may give besides its success, for the OpenAPI document: put it on
/// the handler method; its <see cref="Answer{T}"/> or <see cref="CreatedAnswer{T}"/> return type
/// reads it (401, 403, 429 and 503 are added for every operation by the document transformer).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RefusalsAttribute(params int[] statuses) : Attribute
{
    public IReadOnlyList<int> Statuses { get; } = statuses;
}

/// <summary>An answer that carries the bytes it sends (what the audit log records).</summary>
public interface IBytesAnswer
{
    /// <summary>The bytes, or null for an answer written some other way.</summary>
    BytesResult? Bytes { get; }
}

/// <summary>What every answer type shares: the result it sends, and its bytes for the audit log.</summary>
public abstract class BytesAnswer(IResult inner) : IResult, IBytesAnswer
{
    public BytesResult? Bytes => inner as BytesResult;

    public Task ExecuteAsync(HttpContext httpContext) => inner.ExecuteAsync(httpContext);
}

/// <summary>Another answer an operation gives beside its success and problems (304 Not Modified, a CSV rendering).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class AlsoAttribute(int status, string? contentType = null) : Attribute
{
    public int Status { get; } = status;

    public string? ContentType { get; } = contentType;
}

/// <summary>
/// A handler's answer whose success is 200 with a <typeparamref name="T"/> body. It carries the
/// exact bytes to send — a fresh answer, a stored replay, or a problem document — and its type
/// tells the OpenAPI document what the operation produces, so no endpoint hand-writes
/// <c>.Produces</c>.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "IEndpointMetadataProvider and the conversion from the bytes are static by definition.")]
public sealed class Answer<T> : BytesAnswer, IEndpointMetadataProvider
{
    private Answer(IResult inner)
        : base(inner)
    {
    }

    public static implicit operator Answer<T>(BytesResult bytes) => new(bytes);

    /// <summary>An answer written some other way (a streamed CSV).</summary>
    public static Answer<T> Of(IResult result) => new(result);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => AnswerMetadata.Describe(method, builder, StatusCodes.Status200OK, typeof(T));
}

/// <summary><see cref="Answer{T}"/> whose success is 201 Created.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "IEndpointMetadataProvider and the conversion from the bytes are static by definition.")]
public sealed class CreatedAnswer<T> : BytesAnswer, IEndpointMetadataProvider
{
    private CreatedAnswer(BytesResult bytes)
        : base(bytes)
    {
    }

    public static implicit operator CreatedAnswer<T>(BytesResult bytes) => new(bytes);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => AnswerMetadata.Describe(method, builder, StatusCodes.Status201Created, typeof(T));
}

/// <summary><see cref="Answer{T}"/> of an upsert: 201 when it created, 200 when it changed.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "IEndpointMetadataProvider and the conversion from the bytes are static by definition.")]
public sealed class UpsertAnswer<T> : BytesAnswer, IEndpointMetadataProvider
{
    private UpsertAnswer(BytesResult bytes)
        : base(bytes)
    {
    }

    public static implicit operator UpsertAnswer<T>(BytesResult bytes) => new(bytes);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(T), ["application/json"]));
        AnswerMetadata.Describe(method, builder, StatusCodes.Status201Created, typeof(T));
    }
}

/// <summary>An answer whose success is 204 No Content.</summary>
public sealed class EmptyAnswer : BytesAnswer, IEndpointMetadataProvider
{
    private EmptyAnswer(BytesResult bytes)
        : base(bytes)
    {
    }

    public static implicit operator EmptyAnswer(BytesResult bytes) => new(bytes);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => AnswerMetadata.Describe(method, builder, StatusCodes.Status204NoContent, null);
}

/// <summary>
/// A handler's answer whose success is a <c>text/event-stream</c> of <typeparamref name="T"/>
/// events (the OpenAPI document shows the event's schema under that content type).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "IEndpointMetadataProvider and the conversion from the bytes are static by definition.")]
public sealed class EventStreamAnswer<T> : BytesAnswer, IEndpointMetadataProvider
{
    public const string ContentType = "text/event-stream";

    private EventStreamAnswer(IResult inner)
        : base(inner)
    {
    }

    public static implicit operator EventStreamAnswer<T>(BytesResult bytes) => new(bytes);

    public static EventStreamAnswer<T> Of(IResult stream) => new(stream);

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(T), [ContentType]));
        AnswerMetadata.Describe(method, builder, StatusCodes.Status200OK, null, successDescribed: true);
    }
}

internal static class AnswerMetadata
{
    public static void Describe(MethodInfo method, EndpointBuilder builder, int status, Type? body, bool successDescribed = false)
    {
        // Another rendering of the success itself (CSV) joins its content types; the document
        // keeps one response per status.
        var alternatives = method.GetCustomAttributes<AlsoAttribute>().Where(a => a.Status == status && a.ContentType is not null).Select(a => a.ContentType!);
        if (!successDescribed)
        {
            builder.Metadata.Add(new ProducesResponseTypeMetadata(status, body ?? typeof(void), body is null ? [] : ["application/json", .. alternatives]));
        }

        foreach (var also in method.GetCustomAttributes<AlsoAttribute>().Where(a => a.Status != status))
        {
            builder.Metadata.Add(also.ContentType is { } type ? new ProducesResponseTypeMetadata(also.Status, typeof(string), [type]) : new ProducesResponseTypeMetadata(also.Status, typeof(void)));
        }

        foreach (var refusal in method.GetCustomAttribute<RefusalsAttribute>()?.Statuses ?? [])
        {
            builder.Metadata.Add(new ProducesResponseTypeMetadata(refusal, typeof(ProblemDetails), [Problems.ContentType]));
        }
    }
}
