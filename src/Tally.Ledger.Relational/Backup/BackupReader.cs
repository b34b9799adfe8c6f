using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;

namespace Tally.Ledger.Relational.Backup;

/// <summary>
/// Reads <c>tally backup</c>'s archive back: the manifest checked against the tables this binary
/// knows, every table file checked against its count and SHA-256 (<see cref="Verify"/>) before
/// anything is written, and the rows streamed (checked again as they are read).
/// </summary>
public sealed class BackupReader : IDisposable
{
    private readonly ZipArchive _zip;

    private BackupReader(ZipArchive zip, BackupManifest manifest)
    {
        _zip = zip;
        Manifest = manifest;
    }

    /// <summary>What the archive says it holds.</summary>
    public BackupManifest Manifest { get; }

    /// <summary>
    /// Opens the archive and checks its manifest: a format this binary reads, a schema no newer than
    /// this binary's migrations for the store it came from (<paramref name="knownSchemaVersions"/>,
    /// by store kind), and exactly the tables and columns of <see cref="BackupTables"/>.
    /// </summary>
    /// <exception cref="BackupException">The file is missing, not an archive, or not one this binary can restore.</exception>
    public static BackupReader Open(string path, IReadOnlyDictionary<string, int> knownSchemaVersions)
    {
        ArgumentNullException.ThrowIfNull(knownSchemaVersions);
        if (!File.Exists(path))
        {
            throw new BackupException($"{path}: no such file");
        }

        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new BackupException($"{path} is not a tally backup (not a zip archive: {e.Message})", e);
        }

        try
        {
            var manifest = ReadManifest(zip, path);
            Check(manifest, zip, path, knownSchemaVersions);
            return new BackupReader(zip, manifest);
        }
        catch
        {
            zip.Dispose();
            throw;
        }
    }

    /// <summary>Reads every table file whole and checks its row count and SHA-256 against the manifest.</summary>
    /// <exception cref="BackupException">A file differs from what the manifest says (the archive is corrupt).</exception>
    public void Verify(IBackupProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        progress.Start("Checking the archive", Manifest.TotalRows);
        foreach (var table in Manifest.Tables)
        {
            foreach (var _ in Lines(table, cancellationToken))
            {
                progress.Advance(1);
            }
        }
    }

    /// <summary>The rows of a table (values in <see cref="BackupKind"/> form), checked against the manifest as they are read.</summary>
    public IEnumerable<object?[]> Rows(BackupTable table, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        var entry = Manifest.Tables.Single(t => t.Name == table.Name);
        long number = 0;
        foreach (var line in Lines(entry, cancellationToken))
        {
            number++;
            yield return BackupRows.Read(line.Span, table, number);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _zip.Dispose();

    /// <summary>The file's lines; after the last, throws if the count or the hash differs from the manifest.</summary>
    private IEnumerable<ReadOnlyMemory<byte>> Lines(BackupManifestTable table, CancellationToken cancellationToken)
    {
        var entry = _zip.GetEntry(table.File) ?? throw new BackupException($"the archive has no {table.File}");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var stream = OpenEntry(entry);
        var pending = new ArrayBufferWriter<byte>(1 << 16);
        var chunk = new byte[1 << 16];
        long lines = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int read;
            try
            {
                read = stream.Read(chunk);
            }
            catch (InvalidDataException e)
            {
                throw new BackupException($"{table.File} is corrupt: {e.Message}", e);
            }

            if (read == 0)
            {
                break;
            }

            hash.AppendData(chunk, 0, read);
            var start = 0;
            for (var i = 0; i < read; i++)
            {
                if (chunk[i] != (byte)'\n')
                {
                    continue;
                }

                ReadOnlyMemory<byte> line;
                if (pending.WrittenCount > 0)
                {
                    pending.Write(chunk.AsSpan(start, i - start));
                    line = pending.WrittenMemory.ToArray();
                    pending.ResetWrittenCount();
                }
                else
                {
                    line = chunk.AsMemory(start, i - start);
                }

                start = i + 1;
                lines++;
                if (lines > table.Rows)
                {
                    throw new BackupException($"{table.File} holds more rows than the manifest's {table.Rows}: the archive is corrupt");
                }

                yield return line;
            }

            pending.Write(chunk.AsSpan(start, read - start));
        }

        var sha = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (pending.WrittenCount > 0 || lines != table.Rows || sha != table.Sha256)
        {
            throw new BackupException($"{table.File} does not match the manifest (rows {lines} of {table.Rows}, SHA-256 {sha} where it says {table.Sha256}): the archive is corrupt");
        }
    }

    private static Stream OpenEntry(ZipArchiveEntry entry)
    {
        try
        {
            return entry.Open();
        }
        catch (InvalidDataException e)
        {
            throw new BackupException($"{entry.FullName} is corrupt: {e.Message}", e);
        }
    }

    private static BackupManifest ReadManifest(ZipArchive zip, string path)
    {
        var entry = zip.GetEntry(BackupWriter.ManifestEntry) ?? throw new BackupException($"{path} is not a tally backup (no {BackupWriter.ManifestEntry})");
        try
        {
            using var stream = OpenEntry(entry);
            return JsonSerializer.Deserialize(stream, BackupManifestJson.Default.BackupManifest)
                ?? throw new BackupException($"{path}: {BackupWriter.ManifestEntry} is empty");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new BackupException($"{path}: {BackupWriter.ManifestEntry} is unreadable ({e.Message})", e);
        }
    }

    private static void Check(BackupManifest manifest, ZipArchive zip, string path, IReadOnlyDictionary<string, int> knownSchemaVersions)
    {
        if (manifest.Format > BackupTables.FormatVersion)
        {
            throw new BackupException($"{path} was written in backup format {manifest.Format}; this tally reads format {BackupTables.FormatVersion}: restore it with a newer tally");
        }

        if (manifest.Format < 1 || manifest.Tables is null || manifest.Store is null)
        {
            throw new BackupException($"{path}: {BackupWriter.ManifestEntry} is not a tally backup manifest");
        }

        if (!knownSchemaVersions.TryGetValue(manifest.Store, out var known))
        {
            throw new BackupException($"{path} comes from a '{manifest.Store}' store, which this tally does not know");
        }

        if (manifest.SchemaVersion > known)
        {
            throw new BackupException($"{path} has schema version {manifest.SchemaVersion} ({manifest.Store}); this tally knows up to {known}: restore it with a newer tally");
        }

        foreach (var listed in manifest.Tables)
        {
            var table = BackupTables.Find(listed.Name)
                ?? throw new BackupException($"{path} holds a table this tally does not know: {listed.Name}");
            if (!listed.Columns.SequenceEqual(table.Columns.Select(c => c.Name)) || listed.File != table.EntryName)
            {
                throw new BackupException($"{path}: table {listed.Name} has columns ({string.Join(", ", listed.Columns)}) where this tally has ({table.ColumnList})");
            }

            if (zip.GetEntry(listed.File) is null)
            {
                throw new BackupException($"{path} is missing {listed.File}: the archive is incomplete");
            }
        }

        foreach (var table in BackupTables.All)
        {
            if (manifest.Tables.All(t => t.Name != table.Name))
            {
                throw new BackupException($"{path} is missing table {table.Name}: the archive is incomplete");
            }
        }
    }
}
