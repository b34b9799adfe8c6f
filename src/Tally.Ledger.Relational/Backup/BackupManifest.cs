using System.Text.Json.Serialization;

namespace Tally.Ledger.Relational.Backup;

/// <summary>
/// <c>manifest.json</c>: what an archive holds. <see cref="Store"/>, <see cref="SchemaVersion"/> and
/// <see cref="Migrations"/> describe the database it was taken from; the table files themselves are
/// store-neutral (<see cref="BackupRows"/>), so any store can restore them.
/// </summary>
public sealed record BackupManifest(
    int Format,
    string Tally,
    string Store,
    int SchemaVersion,
    IReadOnlyList<string> Migrations,
    string CreatedAt,
    IReadOnlyList<BackupManifestTable> Tables,
    IReadOnlyDictionary<string, string> Skipped)
{
    /// <summary>Rows over all tables.</summary>
    public long TotalRows => Tables.Sum(t => t.Rows);
}

/// <summary>One table's file: its rows, the SHA-256 of its bytes (lowercase hex) and its columns.</summary>
public sealed record BackupManifestTable(string Name, string File, long Rows, string Sha256, IReadOnlyList<string> Columns);

/// <summary>The manifest's JSON (camelCase, indented, generated at build time).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(BackupManifest))]
internal sealed partial class BackupManifestJson : JsonSerializerContext;
