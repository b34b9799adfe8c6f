using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Tally.Cli.Tests.Upgrades;

/// <summary>What a finished command printed and how it exited.</summary>
internal sealed record CommandResult(int ExitCode, string Output, string Error)
{
    /// <summary>Both streams, for failure messages.</summary>
    public string Printed => $"{Output}{Error}".Trim();
}

/// <summary>Runs a command to its end (git, tar, dotnet build), with a deadline that is only a safety net.</summary>
internal static class ChildProcess
{
    public static async Task<CommandResult> RunAsync(
        string file, IEnumerable<string> args, string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? deadline = null)
    {
        var start = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"could not run {file} ({e.Message}): is it installed and on PATH?", e);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(deadline ?? TimeSpan.FromMinutes(2));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                throw new InvalidOperationException($"{file} {string.Join(' ', args)} did not finish in {deadline ?? TimeSpan.FromMinutes(2)}: {await output}{await error}");
            }

            return new CommandResult(process.ExitCode, await output, await error);
        }
    }
}
