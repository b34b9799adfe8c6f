using System.Diagnostics;
using Xunit;

namespace Tally.Cli.Tests.Upgrades;

/// <summary>
/// The previous release's <c>tally</c> (<c>release/previous-release</c>), built from git once per
/// test run into a temp directory that is removed afterwards: <c>git archive</c> of the commit,
/// then <c>dotnet build src/Tally.Cli</c> in that copy. The build skips analyzers and docs (the
/// release passed them when it shipped; a newer SDK's new warnings must not fail it) and leaves
/// no build server behind. A missing commit or history fails every test that uses it.
/// </summary>
public sealed class PreviousRelease : IAsyncLifetime
{
    private string? _directory;
    private string? _tally;

    /// <summary>The release's commit id.</summary>
    public string Commit { get; private set; } = "";

    /// <summary>How long extracting and building it took (CI time the upgrade tests add).</summary>
    public TimeSpan BuildTime { get; private set; }

    public async Task InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        Commit = await SourceTree.PreviousReleaseAsync();
        _directory = Directory.CreateTempSubdirectory("tally-previous-release-").FullName;
        var source = Directory.CreateDirectory(Path.Combine(_directory, "source")).FullName;
        var archive = Path.Combine(_directory, "source.tar");
        await SourceTree.GitAsync("archive", "--format=tar", "-o", archive, Commit);
        var extracted = await ChildProcess.RunAsync("tar", ["-xf", archive, "-C", source]);
        if (extracted.ExitCode != 0)
        {
            throw new InvalidOperationException($"tar could not extract the previous release {Commit}: {extracted.Printed}");
        }

        File.Delete(archive);
        var build = await ChildProcess.RunAsync(
            "dotnet",
            [
                "build", "src/Tally.Cli", "-c", "Release", "--disable-build-servers", "-nologo", "-v", "q",
                "-p:RunAnalyzers=false", "-p:EnforceCodeStyleInBuild=false", "-p:GenerateDocumentationFile=false",
                "-p:TreatWarningsAsErrors=false", "-p:EnableSourceControlManagerQueries=false",
            ],
            source,
            BuildEnvironment(),
            TimeSpan.FromMinutes(15));
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet build of the previous release {Commit} failed ({build.ExitCode}): {build.Printed}");
        }

        // The target framework may move on between releases: take the one the release built.
        _tally = Directory.GetFiles(Path.Combine(source, "src", "Tally.Cli", "bin", "Release"), "tally.dll", SearchOption.AllDirectories).SingleOrDefault()
            ?? throw new InvalidOperationException($"the build of the previous release {Commit} made no tally.dll: {build.Printed}");
        BuildTime = clock.Elapsed;
    }

    /// <summary>Starts the release's <c>tally serve</c> on <paramref name="database"/> and waits until it is ready.</summary>
    public Task<ReleaseServer> ServeAsync(string database, string adminKey) => ReleaseServer.StartAsync(Tally, database, adminKey);

    /// <summary>Runs one of the release's <c>tally</c> commands to its end.</summary>
    internal Task<CommandResult> RunAsync(params string[] args) => ChildProcess.RunAsync("dotnet", [Tally, .. args]);

    public Task DisposeAsync()
    {
        if (_directory is not null && Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }

        return Task.CompletedTask;
    }

    private string Tally => _tally ?? throw new InvalidOperationException("the previous release was not built");

    /// <summary>
    /// This process's environment without what <c>dotnet test</c> set for its own MSBuild (a nested
    /// build must find its own SDK and targets).
    /// </summary>
    private static Dictionary<string, string?> BuildEnvironment()
    {
        var environment = new Dictionary<string, string?> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" };
        foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>())
        {
            if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
            {
                environment[name] = null;
            }
        }

        return environment;
    }
}
