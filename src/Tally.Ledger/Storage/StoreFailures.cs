namespace Tally.Ledger.Storage;

/// <summary>
/// The database could not be reached, or failed, before a write committed: nothing of it was
/// written, so the request may be sent again. Stores throw this (and only this family) for
/// failures of the database itself; every other exception is a bug and also leaves nothing written.
/// </summary>
public class StoreUnavailableException : Exception
{
    public StoreUnavailableException()
    {
    }

    public StoreUnavailableException(string message)
        : base(message)
    {
    }

    public StoreUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// The connection failed while a write was committing and the store could not find out (the
/// database stayed unreachable) whether the commit happened. The write may have taken effect:
/// it must not be run again blindly. A retry with the same idempotency key is safe — it returns
/// the first outcome if there was one and does the work otherwise.
/// </summary>
public sealed class CommitOutcomeUnknownException : StoreUnavailableException
{
    public CommitOutcomeUnknownException()
    {
    }

    public CommitOutcomeUnknownException(string message)
        : base(message)
    {
    }

    public CommitOutcomeUnknownException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
