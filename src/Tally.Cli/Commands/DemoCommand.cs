using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Tally.Cli.Demo;
using Tally.Ledger;
using Tally.Payments;
using Tally.Payments.Webhooks;
using Tally.Server.Demo;

namespace Tally.Cli.Commands;

/// <summary><c>tally demo seed</c>: realistic accounts, purchases, subscriptions and usage over past days.</summary>
public static class DemoCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("demo", "Demo data for trying Tally out, reports and benchmarks.");
        command.Subcommands.Add(Seed(context));
        return command;
    }

    private static Command Seed(CliContext context)
    {
        var accounts = new Option<int>("--accounts") { Description = "How many customers", DefaultValueFactory = _ => 1_000 };
        var days = new Option<int>("--days") { Description = "How many past days of history, ending today", DefaultValueFactory = _ => 90 };
        var seed = new Option<int>("--seed") { Description = "Random seed: the same seed gives the same customers and history", DefaultValueFactory = _ => 1 };
        var command = new Command("seed", "Seed customers who sign up, buy packs, subscribe and use features over the past days (through the ledger, as real traffic).")
        {
            accounts, days, seed,
        };
        command.SetAction((parse, ct) => context.RunAsync(parse, async store =>
        {
            var (count, span, random) = (parse.GetValue(accounts), parse.GetValue(days), parse.GetValue(seed));
            if (count is < 1 or > 1_000_000 || span is < 1 or > 3_650)
            {
                context.Console.MarkupLine("[red]--accounts must be from 1 to 1,000,000 and --days from 1 to 3,650[/]");
                return 2;
            }

            var settings = CliContext.Settings();
            var start = DateTimeOffset.UtcNow.UtcDateTime.Date.AddDays(-span);
            var clock = new DemoClock(new DateTimeOffset(start, TimeSpan.Zero));
            var ledger = new CreditLedger(store, settings.Ledger, clock);
            var paymentStore = (IPaymentStore)store;
            await DemoSeeder.SeedCatalogAsync(ledger, paymentStore, clock.GetUtcNow(), ct);
            var customers = DemoWorkload.Customers(count, span, random);
            if (await ledger.GetAccountAsync(customers[0].Id, ct) is not null)
            {
                context.Console.MarkupLineInterpolated($"[red]This database was seeded with --seed {random} already (account '{customers[0].Id}' exists); use another seed.[/]");
                return 1;
            }

            var packages = (await paymentStore.ReadPackagesAsync(ct)).ToDictionary(p => p.Id);
            var plans = (await paymentStore.ReadPlansAsync(ct)).ToDictionary(p => p.Id);
            var workload = new DemoWorkload(ledger, paymentStore, new PaymentEffects(ledger, settings.Payments), clock, random);
            await context.Console.Progress().StartAsync(async progress =>
            {
                var task = progress.AddTask($"{count:N0} customers over {span} days", maxValue: span);
                for (var day = 0; day < span; day++)
                {
                    clock.Set(new DateTimeOffset(start.AddDays(day).AddHours(12), TimeSpan.Zero));
                    await workload.DayAsync(customers, packages, plans, day, ct);
                    if (day % 7 == 6)
                    {
                        await ledger.ExpireAsync(ct);
                    }

                    task.Increment(1);
                }
            });
            clock.Set(DateTimeOffset.UtcNow);
            await ledger.ExpireAsync(ct);

            var totals = workload.Totals(count);
            var table = new Table().AddColumns("accounts", "payments", "revenue", "charges", "refused (out of credits)");
            table.AddRow(
                totals.Accounts.ToString("N0", CultureInfo.InvariantCulture),
                totals.Payments.ToString("N0", CultureInfo.InvariantCulture),
                (totals.RevenueMinor / 100m).ToString("N2", CultureInfo.InvariantCulture) + " USD",
                totals.Charges.ToString("N0", CultureInfo.InvariantCulture),
                totals.Refused.ToString("N0", CultureInfo.InvariantCulture));
            context.Console.Write(table);
            return 0;
        }));
        return command;
    }
}
