using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;
using Tally.Ledger;
using Tally.Payments;
using Tally.Payments.Reconciliation;
using Tally.Server.Features.Payments;

namespace Tally.Cli.Commands;

/// <summary><c>tally payments reconcile</c>: ask DodoPayments about pending payments and lapsed subscriptions now.</summary>
public static class PaymentsCommand
{
    public static Command Create(CliContext context)
    {
        var reconcile = new Command("reconcile", "Apply what lost webhooks would have: ask the provider about pending payments and subscriptions past their period.");
        reconcile.SetAction((parse, ct) => context.RunAsync(parse, async store =>
        {
            var settings = CliContext.Settings();
            if (settings.DodoApiKey is not { Length: > 0 })
            {
                context.Console.MarkupLine("[yellow]DODO_API_KEY is not set: payments go to the sandbox inside the running server. Reconcile there: POST /v1/payments/reconcile (admin).[/]");
                return 2;
            }

            var services = new ServiceCollection();
            services.AddLogging();
            services.AddSingleton(TimeProvider.System);
            services.AddSingleton(store);
            services.AddSingleton((IPaymentStore)store);
            services.AddSingleton(new CreditLedger(store, settings.Ledger, TimeProvider.System, NullLogger<CreditLedger>.Instance));
            services.AddTallyPayments(settings);
            await using var provider = services.BuildServiceProvider();
            var report = await context.Console.Status().StartAsync("Reconciling…", _ => provider.GetRequiredService<Reconciler>().RunAsync(ct));
            context.Console.MarkupLineInterpolated(
                $"Payments: {report.PaymentsChecked} pending checked, {report.PaymentsApplied} applied. Subscriptions: {report.SubscriptionsChecked} lapsed checked, {report.SubscriptionsApplied} applied. Failures: {report.Failures}.");
            return report.Failures == 0 ? 0 : 1;
        }));
        var command = new Command("payments", "Payments and the payment provider.") { reconcile };
        return command;
    }
}
