using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;

namespace Tally.Ledger.Relational.Backup;

/// <summary>
/// Writes <c>tally backup</c>'s archive: a zip holding <c>tables/&lt;table&gt;.jsonl</c> (deflated,
/// one <see cref="BackupRows"/> line per row in key order) and <c>manifest.json</c>, all read from
/// one snapshot. Every entry carries the created-at time, so the same data at the same time gives
/// the same bytes. The file appears whole or not at all (written beside it, then renamed).
/// </summary>
public static class BackupWriter
{
    /// <summary>The manifest's entry name.</summary>
    public const string ManifestEntry = "manifest.json";

    private const int ProgressEvery = 4096;

    /// <summary>Backs up every table of <paramref name="store"/> into <paramref name="path"/> (replacing it).</summary>
    public static async Task<BackupManifest> WriteAsync(IBackupStore store, string path, string tallyVersion, DateTimeOffset createdAt, IBackupProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(progress);
        var full = Path.GetFullPath(path);
        var partial = full + ".partial";
        // Zip keeps local times with two-second resolution; the manifest keeps the exact instant.
        var stamp = new DateTimeOffset(createdAt.UtcDateTime.Year, createdAt.UtcDateTime.Month, createdAt.UtcDateTime.Day,
            createdAt.UtcDateTime.Hour, createdAt.UtcDateTime.Minute, createdAt.UtcDateTime.Second / 2 * 2, TimeSpan.Zero);
        BackupManifest manifest;
        await using (var source = await store.OpenBackupAsync(cancellationToken))
        {
            var counts = new long[BackupTables.All.Count];
            for (var i = 0; i < counts.Length; i++)
            {
                counts[i] = await source.CountAsync(BackupTables.All[i], cancellationToken);
            }

            progress.Start("Backing up", counts.Sum());
            var tables = new List<BackupManifestTable>();
            await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: false))
            {
                using (var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true))
                {
                    foreach (var table in BackupTables.All)
                    {
                        tables.Add(await WriteTableAsync(zip, source, table, stamp, progress, cancellationToken));
                    }

                    manifest = new BackupManifest(
                        BackupTables.FormatVersion,
                        tallyVersion,
                        store.Kind,
                        SchemaVersionOf(source.Migrations),
                        source.Migrations,
                        createdAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
                        tables,
                        BackupTables.Skipped);
                    var entry = zip.CreateEntry(ManifestEntry, CompressionLevel.Optimal);
                    entry.LastWriteTime = stamp;
                    await using var stream = entry.Open();
                    await JsonSerializer.SerializeAsync(stream, manifest, BackupManifestJson.Default.BackupManifest, cancellationToken);
                }

                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }
        }

        File.Move(partial, full, overwrite: true);
        return manifest;
    }

    private static async Task<BackupManifestTable> WriteTableAsync(ZipArchive zip, IBackupSource source, BackupTable table, DateTimeOffset stamp, IBackupProgress progress, CancellationToken cancellationToken)
    {
        var entry = zip.CreateEntry(table.EntryName, CompressionLevel.Optimal);
        entry.LastWriteTime = stamp;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new ArrayBufferWriter<byte>(1 << 16);
        long rows = 0;
        using (var stream = entry.Open())
        {
            await foreach (var row in source.ReadAsync(table, cancellationToken))
            {
                BackupRows.Write(buffer, table, row);
                rows++;
                if (buffer.WrittenCount >= 1 << 16)
                {
                    Flush(buffer, hash, stream);
                }

                if (rows % ProgressEvery == 0)
                {
                    progress.Advance(ProgressEvery);
                }
            }

            Flush(buffer, hash, stream);
        }

        progress.Advance(rows % ProgressEvery);
        return new BackupManifestTable(table.Name, table.EntryName, rows, Convert.ToHexStringLower(hash.GetHashAndReset()), [.. table.Columns.Select(c => c.Name)]);
    }

    private static void Flush(ArrayBufferWriter<byte> buffer, IncrementalHash hash, Stream stream)
    {
        hash.AppendData(buffer.WrittenSpan);
        stream.Write(buffer.WrittenSpan);
        buffer.ResetWrittenCount();
    }

    private static int SchemaVersionOf(IReadOnlyList<string> migrations) =>
        migrations.Count == 0 ? 0 : int.Parse(migrations[^1].AsSpan(0, migrations[^1].IndexOf('_', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture);
}
