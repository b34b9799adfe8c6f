using System.CommandLine;
using Spectre.Console;
using Tally.Server.Auth;
using Tally.Access;

namespace Tally.Cli.Commands;

/// <summary><c>tally apikeys create|list|revoke</c> and <c>tally apikeys rotate-signing-key</c>.</summary>
public static class ApiKeysCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("apikeys", "Manage API keys (the secret is printed once, at creation).");
        command.Subcommands.Add(CreateKey(context));
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(Revoke(context));
        command.Subcommands.Add(Rotate(context));
        return command;
    }

    private static Command CreateKey(CliContext context)
    {
        var name = new Option<string>("--name") { Description = "What the key is for", DefaultValueFactory = _ => "cli" };
        var scopes = new Option<string>("--scopes") { Description = "Comma-separated: read, charge, grant, admin", Required = true };
        var command = new Command("create", "Create an API key and print its secret (shown only now).") { name, scopes };
        command.SetAction((parse, ct) => context.RunAsync(parse, async store =>
        {
            var list = (parse.GetValue(scopes) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
            if (list.Count == 0 || list.Any(s => !Scopes.All.Contains(s)))
            {
                context.Console.MarkupLine("[red]--scopes must list one or more of read, charge, grant, admin[/]");
                return 2;
            }

            var (secret, record) = ApiKeys.Create(parse.GetValue(name)!, list, DateTimeOffset.UtcNow);
            await ((IAccessStore)store).CreateApiKeyAsync(record, ct);
            context.Console.MarkupLineInterpolated($"Created [bold]{record.Id}[/] ({string.Join(",", record.Scopes)}). Secret, shown once:");
            context.Console.WriteLine(secret);
            return 0;
        }));
        return command;
    }

    private static Command List(CliContext context)
    {
        var command = new Command("list", "List API keys (never their secrets).");
        command.SetAction((parse, ct) => context.RunAsync(parse, async store =>
        {
            var table = new Table().AddColumns("id", "name", "prefix", "scopes", "created", "revoked");
            foreach (var key in await ((IAccessStore)store).ListApiKeysAsync(ct))
            {
                table.AddRow(key.Id, Markup.Escape(key.Name), key.Prefix + "…", string.Join(",", key.Scopes), key.CreatedAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture),
                    key.RevokedAt?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "");
            }

            context.Console.Write(table);
            return 0;
        }));
        return command;
    }

    private static Command Revoke(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "The key id (key_…)" };
        var command = new Command("revoke", "Revoke an API key (instances notice within 5 seconds).") { id };
        command.SetAction((parse, ct) => context.RunAsync(parse, async store =>
        {
            var revoked = await ((IAccessStore)store).RevokeApiKeyAsync(parse.GetValue(id)!, DateTimeOffset.UtcNow, ct);
            context.Console.MarkupLine(revoked ? "[green]Revoked.[/]" : "[red]No such live key.[/]");
            return revoked ? 0 : 1;
        }));
        return command;
    }

    private static Command Rotate(CliContext context)
    {
        var command = new Command("rotate-signing-key", "Sign new client tokens with a new key; tokens already issued stay valid until they expire.");
        command.SetAction((parse, ct) => context.RunAsync(parse, async store =>
        {
            using var tokens = new ClientTokens((IAccessStore)store, TimeProvider.System);
            var key = await tokens.RotateAsync(ct);
            context.Console.MarkupLineInterpolated($"[green]Client tokens are now signed with {key.Kid}.[/]");
            return 0;
        }));
        return command;
    }
}
