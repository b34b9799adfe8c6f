using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Tally.Client;
using Tally.Ledger;
using Tally.Payments;
using Tally.Server.Demo;
using Tally.Server.Hosting;

namespace Tally.Testing;

/// <summary>A purchase made through the sandbox: Tally's payment id and DodoPayments' (for refunds and disputes).</summary>
public sealed record SimulatedPurchase(string PaymentId, string ProviderPaymentId, string? ProviderSubscriptionId);

/// <summary>
/// A real Tally for a host app's integration tests: the same server as <c>tally serve</c>, on the
/// embedded SQLite store in a temporary directory (deleted on dispose), Kestrel on a free loopback
/// port, an admin API key, and payments through the built-in DodoPayments sandbox — so a test buys
/// a pack exactly as a customer would (checkout, pay, signed webhook, credits granted) without a
/// network or an account anywhere. No mocks: what passes here passes against a deployed Tally.
/// <code>
/// await using var tally = await TallyTestServer.StartAsync();
/// var client = tally.CreateClient();                    // Tally.Client's TallyClient, admin key
/// await tally.SimulatePurchaseAsync("user_42", "starter"); // +500 credits, as after a real checkout
/// </code>
/// </summary>
public sealed class TallyTestServer : IAsyncDisposable
{
    private const string Sandbox = "/sandbox/dodo/sandbox";
    private readonly WebApplication _app;
    private readonly string _directory;
    private readonly HttpClient _admin;

    private TallyTestServer(WebApplication app, string directory, string adminKey, FakeTimeProvider? clock)
    {
        _app = app;
        _directory = directory;
        AdminKey = adminKey;
        Clock = clock;
        BaseAddress = new Uri(app.Urls.First());
        _admin = CreateHttpClient();
    }

    /// <summary>The server, e.g. http://127.0.0.1:41234.</summary>
    public Uri BaseAddress { get; }

    /// <summary>An API key with every scope.</summary>
    public string AdminKey { get; }

    /// <summary>The clock given in the options, if any: advance it to expire credits and holds.</summary>
    public FakeTimeProvider? Clock { get; }

    /// <summary>The server's services (its <see cref="CreditLedger"/>, stores, settings) for assertions.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a fresh server; dispose it to stop it and delete its database.</summary>
    public static async Task<TallyTestServer> StartAsync(TallyTestServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new TallyTestServerOptions();
        var directory = Directory.CreateTempSubdirectory("tally-test-").FullName;
        var adminKey = "tally_sk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["TALLY_DATABASE"] = $"sqlite:{Path.Combine(directory, "tally.db")}",
            ["TALLY_BOOTSTRAP_API_KEY"] = adminKey,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Error",
        };
        foreach (var (name, value) in options.Settings)
        {
            settings[name] = value;
        }

        string[] args = ["--urls", "http://127.0.0.1:0", .. settings.Select(s => $"--{s.Key}={s.Value}")];
        var clock = options.Clock;
        var app = TallyHost.Build(args, clock is null ? null : services => services.AddSingleton<TimeProvider>(clock));
        try
        {
            await app.StartAsync(cancellationToken);
            if (options.DemoCatalog)
            {
                var ledger = app.Services.GetRequiredService<CreditLedger>();
                await DemoSeeder.SeedCatalogAsync(ledger, app.Services.GetRequiredService<IPaymentStore>(), ledger.Now(), cancellationToken);
            }
        }
        catch
        {
            await app.DisposeAsync();
            Directory.Delete(directory, recursive: true);
            throw;
        }

        return new TallyTestServer(app, directory, adminKey, clock);
    }

    /// <summary>An HttpClient for the server, with <paramref name="apiKey"/> (the admin key by default; null for none).</summary>
    public HttpClient CreateHttpClient(string? apiKey = "")
    {
        var http = new HttpClient { BaseAddress = BaseAddress };
        var key = apiKey == "" ? AdminKey : apiKey;
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return http;
    }

    /// <summary>Tally's .NET SDK pointed at this server with <paramref name="apiKey"/> (the admin key by default).</summary>
    public TallyClient CreateClient(string? apiKey = null) => new(CreateHttpClient(apiKey ?? AdminKey));

    /// <summary>
    /// Buys credit package <paramref name="packageId"/> (or, with <paramref name="planId"/>, subscribes
    /// to a plan) for <paramref name="account"/> as a customer would: Tally's checkout, paid in the
    /// sandbox, whose signed webhooks Tally applies before this returns.
    /// </summary>
    public async Task<SimulatedPurchase> SimulatePurchaseAsync(string account, string? packageId = null, string? planId = null, CancellationToken cancellationToken = default)
    {
        if ((packageId is null) == (planId is null))
        {
            throw new ArgumentException("give a packageId or a planId");
        }

        var checkout = new JsonObject { ["account"] = account };
        checkout[packageId is null ? "planId" : "packageId"] = packageId ?? planId;
        var opened = await SendAsync("/v1/checkout", checkout, cancellationToken);
        var session = opened["checkoutUrl"]!.GetValue<string>().Split('/')[^1];
        var paid = await SendAsync($"{Sandbox}/checkouts/{session}/pay", new JsonObject(), cancellationToken);
        return new SimulatedPurchase(
            opened["paymentId"]!.GetValue<string>(),
            paid["payment"]?["payment_id"]?.GetValue<string>() ?? "",
            paid["subscription"]?["subscription_id"]?.GetValue<string>());
    }

    /// <summary>Refunds <paramref name="amountMinor"/> (default all) of a simulated purchase in the sandbox; Tally claws back in proportion.</summary>
    public Task SimulateRefundAsync(SimulatedPurchase purchase, long? amountMinor = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(purchase);
        var body = new JsonObject();
        if (amountMinor is { } amount)
        {
            body["amount"] = amount;
        }

        return SendAsync($"{Sandbox}/payments/{purchase.ProviderPaymentId}/refund", body, cancellationToken);
    }

    /// <summary>Renews a simulated subscription now (its next period's credits are granted).</summary>
    public Task SimulateRenewalAsync(SimulatedPurchase purchase, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(purchase);
        return SendAsync($"{Sandbox}/subscriptions/{purchase.ProviderSubscriptionId ?? throw new ArgumentException("not a subscription", nameof(purchase))}/renew", new JsonObject(), cancellationToken);
    }

    /// <summary>The account's total balance of <paramref name="unit"/> in whole units (0 for an unknown account).</summary>
    public async Task<decimal> BalanceAsync(string account, string unit = "credits", CancellationToken cancellationToken = default)
    {
        var view = await _app.Services.GetRequiredService<CreditLedger>().GetAccountAsync(account, cancellationToken);
        var balance = view?.Balances.FirstOrDefault(b => b.Unit.Key == unit);
        return balance is null ? 0m : balance.Unit.ToDecimal(balance.Total);
    }

    public async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by the OS: the temporary directory is left for it to clean.
        }
    }

    private async Task<JsonNode> SendAsync(string path, JsonObject body, CancellationToken ct)
    {
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await _admin.PostAsync(path, content, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"POST {path} answered {(int)response.StatusCode}: {text}"));
        }

        return JsonNode.Parse(text) ?? new JsonObject();
    }
}
