using System.CommandLine;
using Tally.Server.Hosting;

namespace Tally.Cli.Commands;

/// <summary><c>tally serve [--demo] [--urls …]</c>: run the HTTP server (same as running Tally.Server).</summary>
public static class ServeCommand
{
    public static Command Create(Option<string?> database)
    {
        var demo = new Option<bool>("--demo") { Description = "Seed demo accounts and features and print a demo API key" };
        var urls = new Option<string?>("--urls") { Description = $"Where to listen (default {TallyHost.DefaultUrl})" };
        var command = new Command("serve", "Run the Tally server (API, docs at /docs, health at /healthz).") { demo, urls };
        command.SetAction(async (parse, _) =>
        {
            var args = new List<string>();
            if (parse.GetValue(urls) is { } u)
            {
                args.AddRange(["--urls", u]);
            }

            if (parse.GetValue(database) is { } db)
            {
                args.Add($"--TALLY_DATABASE={db}");
            }

            if (parse.GetValue(demo))
            {
                args.Add("--demo");
            }

            return await TallyHost.RunAsync([.. args]);
        });
        return command;
    }
}
