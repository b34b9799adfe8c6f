using System.Runtime.CompilerServices;
using CsvHelper;

namespace Tally.Cli.Import;

/// <summary>
/// Reads the seed's tables from a directory of CSV files, one per table (<c>user_credits.csv</c>…),
/// each with a header row (RFC 4180: quoted fields may hold commas, quotes and line breaks). An
/// empty field is NULL, as Supabase's and psql's CSV exports write it.
/// </summary>
internal sealed class CsvSeedSource(string directory) : ISeedSource
{
    public string Describe => $"csv {directory}";

    public Task<bool> HasTableAsync(string table, CancellationToken ct) => Task.FromResult(File.Exists(PathOf(table)));

    public async IAsyncEnumerable<SeedRow> ReadAsync(string table, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var stream = File.OpenRead(PathOf(table));
        await using var csv = CsvReader.Create(stream, CsvReaderOptions.Default, false);
        await csv.ReadHeaderAsync(ct);
        var names = csv.Headers.Select(h => h.Trim().ToLowerInvariant()).ToArray();
        long line = 0;
        while (await csv.ReadAsync(ct))
        {
            var values = new Dictionary<string, string?>(names.Length, StringComparer.Ordinal);
            for (var i = 0; i < names.Length; i++)
            {
                values[names[i]] = i < csv.FieldCount ? csv.GetStringOrNull(i) : null;
            }

            yield return new SeedRow(values, ++line);
        }
    }

    private string PathOf(string table) => Path.Combine(directory, table + ".csv");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
