namespace Tally.Ledger.Relational.Backup;

/// <summary>
/// <c>tally restore</c>'s work: the archive checked whole first (nothing is written from a corrupt
/// one), then every table written in one transaction of the target, which commits only when every
/// row is in and every file matched its checksum again.
/// </summary>
public static class BackupRestorer
{
    private const int ProgressEvery = 4096;

    /// <summary>
    /// Restores the archive into <paramref name="store"/> (migrated to this binary's schema). Refuses
    /// a database holding accounts or journal entries unless <paramref name="force"/>, which replaces them.
    /// </summary>
    /// <exception cref="BackupException">The archive is unusable or the database is not empty; nothing was written.</exception>
    public static async Task RestoreAsync(BackupReader archive, IBackupStore store, bool force, IBackupProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(archive);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(progress);
        archive.Verify(progress, cancellationToken);
        await using var target = await store.OpenRestoreAsync(cancellationToken);
        if (!force && await target.HoldsDataAsync(cancellationToken))
        {
            throw new BackupException("the database already holds accounts or journal entries: restore into an empty database, or pass --force to replace its data");
        }

        await target.ClearAsync(cancellationToken);
        progress.Start("Restoring", archive.Manifest.TotalRows);
        foreach (var table in BackupTables.All)
        {
            await target.WriteAsync(table, Counted(archive.Rows(table, cancellationToken), progress), cancellationToken);
        }

        await target.CommitAsync(cancellationToken);
    }

    private static IEnumerable<object?[]> Counted(IEnumerable<object?[]> rows, IBackupProgress progress)
    {
        long count = 0;
        foreach (var row in rows)
        {
            yield return row;
            if (++count % ProgressEvery == 0)
            {
                progress.Advance(ProgressEvery);
            }
        }

        progress.Advance(count % ProgressEvery);
    }
}
