namespace Tally.Ledger.Relational.Backup;

/// <summary>Where a backup or restore reports how far it is (rows), for a progress bar.</summary>
public interface IBackupProgress
{
    /// <summary>A step starts with this many rows to go through.</summary>
    void Start(string step, long rows);

    /// <summary>These many more rows were gone through.</summary>
    void Advance(long rows);
}

/// <summary>Reports nowhere.</summary>
public sealed class NoBackupProgress : IBackupProgress
{
    /// <summary>The one instance.</summary>
    public static NoBackupProgress Instance { get; } = new();

    /// <inheritdoc/>
    public void Start(string step, long rows)
    {
    }

    /// <inheritdoc/>
    public void Advance(long rows)
    {
    }
}
