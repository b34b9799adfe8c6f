namespace Tally.Ledger.Relational.Backup;

/// <summary>A store that can be backed up to and restored from a store-neutral archive (both stores).</summary>
public interface IBackupStore
{
    /// <summary>The store's kind as the manifest names it: <c>sqlite</c> or <c>postgres</c>.</summary>
    string Kind { get; }

    /// <summary>The newest schema version (migration) this binary has for the store.</summary>
    int KnownSchemaVersion { get; }

    /// <summary>Opens one consistent snapshot of the whole database to read every table from.</summary>
    Task<IBackupSource> OpenBackupAsync(CancellationToken cancellationToken);

    /// <summary>Opens one write transaction over the whole database to restore into (the schema must be migrated).</summary>
    Task<IRestoreTarget> OpenRestoreAsync(CancellationToken cancellationToken);
}

/// <summary>One consistent snapshot of a database (one read transaction), read table by table.</summary>
public interface IBackupSource : IAsyncDisposable
{
    /// <summary>The migrations applied to the database (<c>NNNN_name</c>), in version order.</summary>
    IReadOnlyList<string> Migrations { get; }

    /// <summary>How many rows the table holds in the snapshot.</summary>
    Task<long> CountAsync(BackupTable table, CancellationToken cancellationToken);

    /// <summary>
    /// The table's rows in <see cref="BackupTable.OrderBy"/> order (text compared byte by byte),
    /// each value in the form its column's <see cref="BackupKind"/> names, null for SQL NULL.
    /// </summary>
    IAsyncEnumerable<object?[]> ReadAsync(BackupTable table, CancellationToken cancellationToken);
}

/// <summary>
/// One write transaction a restore fills: nothing is visible to others until <see cref="CommitAsync"/>,
/// and disposing without it rolls everything back.
/// </summary>
public interface IRestoreTarget : IAsyncDisposable
{
    /// <summary>Whether the database holds accounts or journal entries.</summary>
    Task<bool> HoldsDataAsync(CancellationToken cancellationToken);

    /// <summary>Deletes every row of the backed-up and derived tables (the journal's append-only guard suspended for it).</summary>
    Task ClearAsync(CancellationToken cancellationToken);

    /// <summary>Inserts the rows (values in <see cref="BackupKind"/> form, in column order); returns how many.</summary>
    Task<long> WriteAsync(BackupTable table, IEnumerable<object?[]> rows, CancellationToken cancellationToken);

    /// <summary>Moves sequences past the restored ids, resets the analytics folder's progress and commits.</summary>
    Task CommitAsync(CancellationToken cancellationToken);
}
