using Spectre.Console;
using Tally.Cli;

return await TallyCli.RunAsync(args, AnsiConsole.Console);
