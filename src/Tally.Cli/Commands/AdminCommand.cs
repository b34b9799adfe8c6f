using System.CommandLine;
using Spectre.Console;
using Tally.Access;
using Tally.Server.Ui.Admin;

namespace Tally.Cli.Commands;

/// <summary><c>tally admin create|set-password</c>: admin panel users (docs/ui.md).</summary>
public static class AdminCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("admin", "Manage the admin panel's users (sign in at /admin).");
        command.Subcommands.Add(User(context, "create", "Create an admin user (the password is asked for, or read with --password-stdin).", create: true));
        command.Subcommands.Add(User(context, "set-password", "Set an admin user's password and lift a lockout.", create: false));
        return command;
    }

    private static Command User(CliContext context, string name, string description, bool create)
    {
        var email = new Option<string>("--email") { Description = "The user's email (the sign-in name)", Required = true };
        var fromStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input (automation)" };
        var command = new Command(name, description) { email, fromStdin };
        command.SetAction((parse, ct) => context.RunAsync(parse, async store =>
        {
            var address = parse.GetValue(email)!.Trim();
            var password = parse.GetValue(fromStdin)
                ? Console.In.ReadLine() ?? ""
                : context.Console.Prompt(new TextPrompt<string>("Password:").Secret());
            if (AdminUsers.Refusal(address, password) is { } refusal)
            {
                context.Console.MarkupLineInterpolated($"[red]{refusal}[/]");
                return 2;
            }

            var users = new AdminUsers((IWebAccessStore)store, TimeProvider.System);
            if (create ? await users.CreateAsync(address, password, ct) : await users.SetPasswordAsync(address, password, ct))
            {
                context.Console.MarkupLineInterpolated($"[green]{(create ? "Created" : "Updated")} admin user {address.ToLowerInvariant()}.[/] Sign in at /admin.");
                return 0;
            }

            if (create)
            {
                context.Console.MarkupLineInterpolated($"[red]An admin user {address.ToLowerInvariant()} exists already[/] (tally admin set-password changes its password).");
            }
            else
            {
                context.Console.MarkupLineInterpolated($"[red]No admin user {address.ToLowerInvariant()}.[/]");
            }

            return 1;
        }));
        return command;
    }
}
