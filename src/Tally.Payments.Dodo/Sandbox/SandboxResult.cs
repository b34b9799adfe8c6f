namespace Tally.Payments.Dodo.Sandbox;

/// <summary>What a sandbox operation answered: a value, or a refusal with its HTTP status and Dodo-style error.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "Named constructors read best on the result type itself: SandboxResult<T>.NotFound(…).")]
public sealed record SandboxResult<T>(T? Value, int StatusCode, SandboxError? Error)
    where T : class
{
    public static SandboxResult<T> Ok(T value) => new(value, 200, null);

    public static SandboxResult<T> Refuse(int statusCode, string code, string message) => new(null, statusCode, new SandboxError(code, message));

    public static SandboxResult<T> NotFound(string what) => Refuse(404, "NOT_FOUND", $"{what} not found");

    public static SandboxResult<T> Conflict(string message) => Refuse(409, "CONFLICT", message);

    public static SandboxResult<T> Invalid(string message) => Refuse(422, "INVALID_REQUEST", message);
}
