namespace Tally.Payments.Dodo;

/// <summary>
/// A payment provider answered a call with an error status: a broken dependency, not bad input
/// from Tally's caller. Carries the status and the start of the answer's body (never the request,
/// which holds the API key in its headers).
/// </summary>
public sealed class PaymentProviderException : Exception
{
    /// <summary>How much of the provider's answer is kept.</summary>
    public const int MaxBodyExcerpt = 512;

    public PaymentProviderException()
    {
    }

    public PaymentProviderException(string message) : base(message)
    {
    }

    public PaymentProviderException(string message, Exception inner) : base(message, inner)
    {
    }

    public PaymentProviderException(string provider, string operation, int statusCode, string body)
        : base($"{provider} {operation} answered {statusCode}: {Excerpt(body)}")
    {
        Provider = provider;
        Operation = operation;
        StatusCode = statusCode;
        BodyExcerpt = Excerpt(body);
    }

    /// <summary>The provider's short name ("dodo").</summary>
    public string? Provider { get; }

    /// <summary>The call, e.g. "POST checkouts".</summary>
    public string? Operation { get; }

    /// <summary>The HTTP status the provider answered.</summary>
    public int StatusCode { get; }

    /// <summary>The first <see cref="MaxBodyExcerpt"/> characters of the answer's body.</summary>
    public string? BodyExcerpt { get; }

    private static string Excerpt(string body) => body.Length <= MaxBodyExcerpt ? body : body[..MaxBodyExcerpt] + "…";
}
