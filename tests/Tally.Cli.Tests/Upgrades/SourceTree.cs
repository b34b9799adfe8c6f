using System.Text.RegularExpressions;

namespace Tally.Cli.Tests.Upgrades;

/// <summary>
/// This checkout: its root, its git history, and the previous release that
/// <c>release/previous-release</c> names. A missing commit or history is an error that says what
/// to do, never a reason to skip: CI runs on a full clone of main, which always has both.
/// </summary>
internal static partial class SourceTree
{
    public static string Root { get; } = FindRoot();

    /// <summary>The file naming the previous release, relative to the root.</summary>
    public const string PreviousReleaseFile = "release/previous-release";

    /// <summary>The previous release's full commit id, checked to be in this clone's history.</summary>
    public static async Task<string> PreviousReleaseAsync()
    {
        var path = Path.Combine(Root, PreviousReleaseFile);
        var commit = File.ReadLines(path).Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith('#'))
            ?? throw new InvalidOperationException($"{PreviousReleaseFile} names no commit");
        if (!CommitId().IsMatch(commit))
        {
            throw new InvalidOperationException($"{PreviousReleaseFile} should hold a full 40-hex commit id, not '{commit}'");
        }

        var probe = await ChildProcess.RunAsync("git", ["-C", Root, "cat-file", "-e", commit + "^{commit}"]);
        if (probe.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"The previous release {commit} ({PreviousReleaseFile}) is not in the git history of {Root}. The upgrade tests build it " +
                $"from git: run them in a full clone of main (not --depth; `git fetch --unshallow` fixes a shallow one). git said: {probe.Printed}");
        }

        return commit;
    }

    /// <summary>Runs git in the checkout; its standard output, or an error with what git said.</summary>
    public static async Task<string> GitAsync(params string[] args)
    {
        var result = await ChildProcess.RunAsync("git", ["-C", Root, .. args]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', args)} failed ({result.ExitCode}) in {Root}: {result.Printed}");
        }

        return result.Output;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Tally.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Tally.slnx above {AppContext.BaseDirectory}: the upgrade tests run from a checkout");
    }

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitId();
}
