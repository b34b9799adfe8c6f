using System.Globalization;
using Tally.Ledger;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Verification;
using Tally.Payments;
using Tally.Payments.Catalog;
using Tally.Payments.Pricing;
using Tally.Payments.Webhooks;

namespace Tally.Cli.Import;

/// <summary>Counts of what an import did (or, dry, would do).</summary>
internal sealed class ImportTotals
{
    public int Accounts { get; set; }

    public int AccountsImported { get; set; }

    public int AccountsAlreadyImported { get; set; }

    public long Credits { get; set; }

    public long Debt { get; set; }

    public long PaidCredits { get; set; }

    public long ExpiringCredits { get; set; }

    public int Lots { get; set; }

    public int PackagesCreated { get; set; }

    public int PackagesExisting { get; set; }

    public int PaymentsCreated { get; set; }

    public int PaymentsExisting { get; set; }

    public int BalancesChecked { get; set; }

    public VerificationReport? Verification { get; set; }
}

/// <summary>What progress an import reports: a phase and how far it is.</summary>
internal readonly record struct ImportStep(string Phase, long Done, long Total);

/// <summary>
/// Writes the seed into Tally through the ledger's own commands, never SQL into its tables: one
/// atomic request per user under a durable idempotency key derived from the user id, so a second
/// run (or a run started again after a cut) replays what was done and does the rest. Packages and
/// payments go through the payment store's create-once calls.
/// </summary>
internal sealed class SupabaseImporter(CreditLedger ledger, IPaymentStore payments, UnitInfo unit, TimeProvider time)
{
    /// <summary>Who the journal names as the actor of imported entries.</summary>
    public const string Actor = "import:supabase";

    /// <summary>Users per store transaction.</summary>
    public const int GroupSize = 200;

    /// <summary>The idempotency key of a user's import: durable, so it holds however late the run is repeated.</summary>
    public static string KeyOf(string account) => $"{RequestIdempotency.DurablePrefix}import:supabase:user:{account}";

    /// <summary>The ledger options an import runs under: no signup grant, no pricing rules, no ceilings below the ledger's own.</summary>
    public static LedgerOptions Options(LedgerOptions configured) => new()
    {
        InitialAmount = 0,
        MaxBalance = SeedReader.MaxAmount,
        MaxPerOperation = SeedReader.MaxAmount,
        AutoCreateAccounts = true,
        IdempotencyRetention = configured.IdempotencyRetention,
        MaxBatchCommands = configured.MaxBatchCommands,
        GroupCommit = false,
    };

    /// <summary>Plans every account (adding what is odd to the data's problems) without writing.</summary>
    public static List<AccountOpening> Plan(SeedData data, DateTimeOffset now)
    {
        var users = data.Users();
        var known = users.ToHashSet(StringComparer.Ordinal);
        foreach (var sub in data.Subscriptions.Where(s => !known.Contains(s.Key)).SelectMany(s => s.Value))
        {
            data.Problem(ProblemKinds.SubscriptionUnknownUser, SeedTables.Subscriptions, sub.Id, sub.UserId, $"{sub.CreditsPerPeriod - sub.CreditsUsed} unused of {sub.CreditsPerPeriod}");
        }

        return [.. users.Select(user => OpeningBalance.Plan(data, user, now))];
    }

    public static ImportTotals Count(SeedData data, IReadOnlyList<AccountOpening> openings)
    {
        var totals = new ImportTotals { Accounts = openings.Count };
        foreach (var opening in openings)
        {
            totals.Credits += opening.Balance;
            totals.Debt += opening.Debt;
            totals.Lots += opening.Lots.Count;
            totals.PaidCredits += opening.Lots.Where(l => l.Source == Ledger.Model.LotSource.Purchase).Sum(l => l.Amount);
            totals.ExpiringCredits += opening.Lots.Where(l => l.ExpiresAt is not null).Sum(l => l.Amount);
        }

        return totals;
    }

    public async Task RunAsync(SeedData data, IReadOnlyList<AccountOpening> openings, ImportTotals totals, IProgress<ImportStep>? progress, CancellationToken ct)
    {
        await ImportPackagesAsync(data, totals, ct);
        await ImportAccountsAsync(data, openings, totals, progress, ct);
        await ImportPaymentsAsync(data, totals, progress, ct);
        await CheckBalancesAsync(data, openings, totals, progress, ct);
        progress?.Report(new ImportStep("verifying invariants", 0, 1));
        totals.Verification = await ledger.VerifyAsync(ct);
        progress?.Report(new ImportStep("verifying invariants", 1, 1));
    }

    private async Task ImportPackagesAsync(SeedData data, ImportTotals totals, CancellationToken ct)
    {
        foreach (var p in data.Packages)
        {
            var package = new CreditPackage(p.Id, p.Name, p.Credits, p.BonusCredits, new Money(p.PriceMinor, p.Currency), p.ProductId, p.Active, p.SortOrder);
            if (await payments.SavePackageAsync(package, create: true, time.GetUtcNow(), ct))
            {
                totals.PackagesCreated++;
                continue;
            }

            totals.PackagesExisting++;
            var existing = (await payments.ReadPackagesAsync(ct)).FirstOrDefault(e => e.Id == p.Id);
            if (existing != package)
            {
                data.Problem(ProblemKinds.PackageExists, SeedTables.Packages, p.Id, null, "a package with this id and other terms is in Tally; it was not changed");
            }
        }
    }

    private async Task ImportAccountsAsync(SeedData data, IReadOnlyList<AccountOpening> openings, ImportTotals totals, IProgress<ImportStep>? progress, CancellationToken ct)
    {
        for (var start = 0; start < openings.Count; start += GroupSize)
        {
            var group = openings.Skip(start).Take(GroupSize).ToList();
            var requests = group.Select(Request).ToList();
            var outcomes = await ledger.ExecuteGroupAsync(requests, ct);
            for (var i = 0; i < group.Count; i++)
            {
                var outcome = outcomes[i];
                if (outcome.FailedIndex is { } failed)
                {
                    var failure = outcome.Results[failed];
                    var kind = failure is IdempotencyConflict ? ProblemKinds.ChangedSinceImport : ProblemKinds.Refused;
                    data.Problem(kind, data.BalanceTable, group[i].Account, group[i].Account, failure.ToString());
                }
                else if (outcome.Replayed)
                {
                    totals.AccountsAlreadyImported++;
                }
                else
                {
                    totals.AccountsImported++;
                }
            }

            progress?.Report(new ImportStep("importing accounts", start + group.Count, openings.Count));
        }
    }

    private LedgerRequest Request(AccountOpening opening)
    {
        var commands = new List<LedgerCommand> { new EnsureAccount(opening.Account, Metadata: opening.Metadata) };
        foreach (var lot in opening.Lots)
        {
            commands.Add(new Grant(opening.Account, unit.FromWhole(lot.Amount), unit.Key, lot.Source, ExpiresAt: lot.ExpiresAt,
                Reference: lot.Reference, Description: lot.Description));
        }

        if (opening.Debt > 0)
        {
            commands.Add(new Clawback(opening.Account, unit.FromWhole(opening.Debt), unit.Key, Policy: ClawbackPolicy.Debt,
                Reason: "Opening balance imported from Supabase: the seed's balance was negative", Reference: $"supabase:{opening.Account}"));
        }

        return new LedgerRequest(commands, BatchMode.Atomic, RequestIdempotency.For(KeyOf(opening.Account), commands), Actor);
    }

    /// <summary>
    /// Records the seed's Dodo payments (created once by provider payment id) and claims each paid
    /// one's grant key, so a late or replayed <c>payment.succeeded</c> webhook for a payment the
    /// seed already credited (its credits are in the imported balance) grants nothing again.
    /// </summary>
    private async Task ImportPaymentsAsync(SeedData data, ImportTotals totals, IProgress<ImportStep>? progress, CancellationToken ct)
    {
        var table = data.PaymentTable ?? SeedTables.Payments[0];
        var known = data.Users().ToHashSet(StringComparer.Ordinal);
        var packages = data.Packages.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var done = 0;
        var claims = new List<LedgerRequest>(GroupSize);
        foreach (var p in data.Payments)
        {
            progress?.Report(new ImportStep("importing payments", done++, data.Payments.Count));
            var status = StatusOf(p.Status);
            if (status is null)
            {
                data.Problem(ProblemKinds.PaymentNotImported, table, p.Id, p.UserId, $"status '{p.Status}': a payment the seed never settled is left for DodoPayments to tell (its credits, if any, are in the balance)");
                continue;
            }

            if (!known.Contains(p.UserId))
            {
                data.Problem(ProblemKinds.PaymentUnknownUser, table, p.Id, p.UserId, "no balance row or transactions for this user");
            }

            if (await payments.FindPaymentByProviderIdAsync(WebhookEndpointsProvider, p.ProviderPaymentId, ct) is not null)
            {
                totals.PaymentsExisting++;
            }
            else
            {
                var packageId = p.PackageId is { } id && packages.Contains(id) ? id : null;
                var record = new PaymentRecord($"pay_supabase_{p.Id}", p.UserId, packageId is null ? PaymentKind.Custom : PaymentKind.Package, packageId, null,
                    p.Credits, new Money(p.AmountMinor, p.Currency), status.Value, WebhookEndpointsProvider, p.ProviderPaymentId, null, null,
                    status == PaymentStatus.Refunded ? p.AmountMinor : 0, 0, 0, null, p.CreatedAt, p.CreatedAt);
                await payments.CreatePaymentOnceAsync(record, ct);
                totals.PaymentsCreated++;
            }

            if (status is PaymentStatus.Succeeded or PaymentStatus.Refunded or PaymentStatus.PartiallyRefunded && p.Credits > 0)
            {
                // Any command under the key claims it; the webhook path treats the conflict as "applied".
                var claim = new List<LedgerCommand> { new EnsureAccount(p.UserId) };
                var key = PaymentEffects.Key(WebhookEndpointsProvider, p.ProviderPaymentId, "grant");
                claims.Add(new LedgerRequest(claim, BatchMode.Atomic, RequestIdempotency.For(key, claim), Actor));
                if (claims.Count == GroupSize)
                {
                    await ledger.ExecuteGroupAsync(claims, ct);
                    claims.Clear();
                }
            }
        }

        if (claims.Count > 0)
        {
            await ledger.ExecuteGroupAsync(claims, ct);
        }

        progress?.Report(new ImportStep("importing payments", done, data.Payments.Count));
    }

    /// <summary>The provider name Tally's DodoPayments webhooks store payments under.</summary>
    private const string WebhookEndpointsProvider = "dodo";

    private static PaymentStatus? StatusOf(string status) => status switch
    {
        "succeeded" or "completed" or "paid" or "success" => PaymentStatus.Succeeded,
        "refunded" => PaymentStatus.Refunded,
        "partially_refunded" => PaymentStatus.PartiallyRefunded,
        "failed" => PaymentStatus.Failed,
        "cancelled" or "canceled" or "expired" => PaymentStatus.Cancelled,
        _ => null,
    };

    /// <summary>Reads every imported account back and compares its balance with the seed's.</summary>
    private async Task CheckBalancesAsync(SeedData data, IReadOnlyList<AccountOpening> openings, ImportTotals totals, IProgress<ImportStep>? progress, CancellationToken ct)
    {
        var done = 0;
        foreach (var opening in openings)
        {
            var view = await ledger.GetAccountAsync(opening.Account, ct);
            var balance = view?.Balances.FirstOrDefault(b => b.Unit.Key == unit.Key);
            var found = balance is null ? 0 : balance.Total.Minor;
            var expected = unit.FromWhole(opening.Balance).Minor;
            if (view is null || found != expected)
            {
                data.Problem(ProblemKinds.BalanceDiffers, data.BalanceTable, opening.Account, opening.Account,
                    view is null ? "no such account in Tally" : $"seed {opening.Balance}, Tally {unit.ToDecimal(new Credits(found)).ToString(CultureInfo.InvariantCulture)}");
            }

            totals.BalancesChecked++;
            if (++done % 500 == 0 || done == openings.Count)
            {
                progress?.Report(new ImportStep("checking balances", done, openings.Count));
            }
        }
    }
}
