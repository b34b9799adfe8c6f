using System.CommandLine;
using Spectre.Console;
using Tally.Payments;
using Tally.Payments.Dodo.Sandbox;
using Tally.Payments.Dodo.Webhooks;
using Tally.Payments.Providers;

namespace Tally.Cli.Commands;

/// <summary>
/// <c>tally sandbox</c>: the local DodoPayments sandbox on its own, for a Tally (or any app) that
/// talks to it as to DodoPayments: <c>DODO_API_KEY=sandbox DODO_BASE_URL=&lt;its url&gt;
/// DODO_WEBHOOK_SECRET=&lt;its secret&gt;</c>. The products of the catalog in <c>--database</c>
/// are registered at start. (<c>tally serve</c> without DODO_API_KEY mounts the same sandbox
/// in-process at /sandbox/dodo; this command is for running them apart.)
/// </summary>
public static class SandboxCommand
{
    public static Command Create(CliContext context)
    {
        var urls = new Option<string>("--urls") { Description = "Where the sandbox listens", DefaultValueFactory = _ => "http://127.0.0.1:8090" };
        var webhook = new Option<string>("--webhook-url") { Description = "Where its webhooks go", DefaultValueFactory = _ => "http://localhost:5080/webhooks/dodo" };
        var secret = new Option<string?>("--secret") { Description = "The whsec_… secret webhooks are signed with (default: DODO_WEBHOOK_SECRET, else a new one)" };
        var command = new Command("sandbox", "Run the local DodoPayments sandbox alone (hosted checkout page, signed webhooks).") { urls, webhook, secret };
        command.SetAction((parse, ct) => context.RunAsync(parse, async store =>
        {
            var settings = CliContext.Settings();
            var key = parse.GetValue(secret) ?? settings.DodoWebhookSecret ?? StandardWebhooks.NewSecret();
            if (!Uri.TryCreate(parse.GetValue(webhook), UriKind.Absolute, out var target))
            {
                context.Console.MarkupLine("[red]--webhook-url must be an absolute URL[/]");
                return 2;
            }

            await using var host = await DodoSandboxHost.StartAsync(new DodoSandboxOptions { WebhookUrl = target, WebhookSecret = key }, parse.GetValue(urls)!, ct: ct);
            var products = await RegisterCatalogAsync((IPaymentStore)store, host.Sandbox, settings.DodoCustomProductId, ct);
            context.Console.MarkupLineInterpolated($"DodoPayments sandbox at [bold]{host.BaseUrl}[/] ({products} product(s) from the catalog), webhooks to {target}");
            context.Console.MarkupLineInterpolated($"Run Tally against it with: DODO_API_KEY=sandbox DODO_BASE_URL={host.BaseUrl} DODO_WEBHOOK_SECRET={key}");
            context.Console.MarkupLine("Ctrl+C stops it.");
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: stop cleanly.
            }

            return 0;
        }));
        return command;
    }

    private static async Task<int> RegisterCatalogAsync(IPaymentStore store, DodoSandbox sandbox, string customProductId, CancellationToken ct)
    {
        var count = 0;
        foreach (var package in (await store.ReadPackagesAsync(ct)).Where(p => p.ProviderProductId is not null))
        {
            sandbox.UpsertProduct(package.ProviderProductId!, new ProductTerms(package.Name, package.Price.Amount, package.Price.Currency, null));
            count++;
        }

        foreach (var plan in (await store.ReadPlansAsync(ct)).Where(p => p.ProviderProductId is not null))
        {
            sandbox.UpsertProduct(plan.ProviderProductId!, new ProductTerms(plan.Name, plan.Price.Amount, plan.Price.Currency, plan.Interval));
            count++;
        }

        sandbox.UpsertProduct(customProductId, new ProductTerms("Credits", 0, "USD", null), payWhatYouWant: true);
        return count + 1;
    }
}
