using Shouldly;
using Xunit;

namespace Tally.Cli.Tests.Upgrades;

/// <summary>
/// Migrations added since the previous release (release/previous-release) only expand the schema,
/// so that release keeps working on it during a rolling upgrade (docs/operations.md, "Upgrades");
/// a contract step needs the <c>-- contract: why</c> marker. Shipped migrations are never edited.
/// </summary>
public sealed class ExpandOnlyMigrationTests
{
    /// <summary>Every store's migrations folder (src/Tally.Ledger.*/Migrations, embedded by its .csproj).</summary>
    private static readonly string[] FolderPaths = ["src/Tally.Ledger.Postgres/Migrations", "src/Tally.Ledger.Sqlite/Migrations"];

    public static TheoryData<string> Folders => new(FolderPaths);

    [Fact]
    public void Every_store_with_migrations_is_checked()
    {
        var found = Directory.GetDirectories(Path.Combine(SourceTree.Root, "src"), "Migrations", SearchOption.AllDirectories)
            .Where(d => Directory.EnumerateFiles(d, "*.sql").Any())
            .Select(d => Path.GetRelativePath(SourceTree.Root, d).Replace('\\', '/'));

        found.ShouldBe(FolderPaths, ignoreOrder: true);
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public async Task Migrations_added_since_the_previous_release_only_expand_the_schema(string folder)
    {
        var shipped = await ShippedAsync(folder);
        var all = Directory.GetFiles(Path.Combine(SourceTree.Root, folder), "*.sql").Order(StringComparer.Ordinal).ToList();

        var problems = new List<string>();
        for (var i = 0; i < all.Count; i++)
        {
            var name = Path.GetFileName(all[i]);
            var sql = await File.ReadAllTextAsync(all[i]);
            if (shipped.ContainsKey(name) || ContractSteps.MarkedReason(sql) is not null)
            {
                continue;
            }

            var earlier = await Task.WhenAll(all.Take(i).Select(f => File.ReadAllTextAsync(f)));
            problems.AddRange(ContractSteps.Find(sql, earlier).Select(step => $"{folder}/{name} {step}"));
        }

        problems.ShouldBeEmpty(
            "Contract steps in migrations the previous release has not seen: it may still be serving on the schema during a rolling " +
            "upgrade (docs/operations.md, \"Upgrades\"). Add beside what exists and remove it a release later; or, if the previous " +
            $"release no longer needs what a migration removes or changes, mark it with a line '{ContractSteps.Marker} <why>'.");
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public async Task Migrations_shipped_in_the_previous_release_are_unchanged(string folder)
    {
        foreach (var (name, sql) in await ShippedAsync(folder))
        {
            var path = Path.Combine(SourceTree.Root, folder, name);
            File.Exists(path).ShouldBeTrue($"{folder}/{name} shipped in the previous release and is gone: migrations are forward-only");
            Normalized(await File.ReadAllTextAsync(path)).ShouldBe(
                Normalized(sql), $"{folder}/{name} shipped in the previous release and was edited: databases migrated by it never see the edit; add a new migration");
        }
    }

    /// <summary>The folder's migrations at the previous release: name and text.</summary>
    private static async Task<Dictionary<string, string>> ShippedAsync(string folder)
    {
        var commit = await SourceTree.PreviousReleaseAsync();
        var names = (await SourceTree.GitAsync("ls-tree", "--name-only", commit, "--", folder + "/"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(p => p.EndsWith(".sql", StringComparison.Ordinal));
        var shipped = new Dictionary<string, string>();
        foreach (var path in names)
        {
            shipped[Path.GetFileName(path)] = await SourceTree.GitAsync("show", $"{commit}:{path}");
        }

        return shipped;
    }

    private static string Normalized(string text) => text.ReplaceLineEndings("\n").TrimEnd();
}
