using System.Diagnostics.CodeAnalysis;

namespace Tally.Ledger;

/// <summary>
/// Assertions that stay on in Release. A broken invariant is a bug: the transaction must not
/// commit, so this throws and the whole write rolls back.
/// </summary>
public static class Invariant
{
    public static void Holds([DoesNotReturnIf(false)] bool condition, string what)
    {
        if (!condition)
        {
            throw new InvariantViolationException(what);
        }
    }
}

/// <summary>A ledger invariant failed in memory before a write; nothing was committed.</summary>
public sealed class InvariantViolationException : Exception
{
    public InvariantViolationException()
    {
    }

    public InvariantViolationException(string message)
        : base("Ledger invariant violated: " + message)
    {
    }

    public InvariantViolationException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
