using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Tally.Payments.Dodo.Sandbox;
using Tally.Payments.Providers;

namespace Tally.Payments.Dodo.Tests.Infrastructure;

/// <summary>
/// One sandbox on Kestrel (port 0) with a fake clock, a webhook receiver, a DodoClient and a
/// SandboxPaymentProvider pointed at it, and a DodoWebhookReader with the sandbox's secret.
/// Each test makes its own: nothing is shared between tests.
/// </summary>
public sealed class SandboxHarness : IAsyncDisposable
{
    public const string ApiKey = "sk_test_sandbox";
    public static readonly DateTimeOffset Start = new(2026, 3, 15, 9, 30, 0, TimeSpan.Zero);

    private SandboxHarness(FakeTimeProvider clock, WebhookReceiver receiver, DodoSandboxHost host)
    {
        Clock = clock;
        Receiver = receiver;
        Host = host;
        // Never follows a redirect: the return URLs point at hosts that are not on this machine.
        Http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var options = new DodoOptions
        {
            ApiKey = ApiKey,
            BaseUrl = host.BaseUrl,
            WebhookSecret = host.Sandbox.Options.WebhookSecret,
            CustomProductId = "pdt_custom",
        };
        Client = new DodoClient(Http, Options.Create(options));
        Provider = new SandboxPaymentProvider(Http, options);
        Reader = new DodoWebhookReader(options.WebhookSecret, clock);
    }

    public FakeTimeProvider Clock { get; }

    public WebhookReceiver Receiver { get; }

    public DodoSandboxHost Host { get; }

    public DodoSandbox Sandbox => Host.Sandbox;

    public HttpClient Http { get; }

    public DodoClient Client { get; }

    public SandboxPaymentProvider Provider { get; }

    public DodoWebhookReader Reader { get; }

    public static async Task<SandboxHarness> StartAsync(string prefix = "/sandbox/dodo", int retries = 2)
    {
        var clock = new FakeTimeProvider(Start);
        var receiver = await WebhookReceiver.StartAsync(clock);
        var host = await DodoSandboxHost.StartAsync(new DodoSandboxOptions
        {
            WebhookUrl = receiver.Url,
            TimeProvider = clock,
            ApiKey = ApiKey,
            RetryDelays = [.. Enumerable.Repeat(TimeSpan.Zero, retries)],
        }, prefix: prefix);
        return new SandboxHarness(clock, receiver, host);
    }

    public static readonly ProductTerms Credits = new("1,000 credits", 999, "USD", null);
    public static readonly ProductTerms Monthly = new("Pro monthly", 2000, "USD", BillingInterval.Month);
    public static readonly ProductTerms Bigger = new("Team monthly", 5000, "USD", BillingInterval.Month);
    public static readonly ProductTerms Yearly = new("Pro yearly", 20000, "USD", BillingInterval.Year);

    /// <summary>Opens a checkout for a product (registered from its terms) with metadata naming the account.</summary>
    public Task<CheckoutSession> CheckoutAsync(string productId, ProductTerms terms, long? amount = null) =>
        Provider.CreateCheckoutAsync(new CheckoutRequest(productId, amount,
            new Dictionary<string, string> { ["tally_account"] = "acct_1", ["tally_payment"] = "tp_1" },
            new Uri("https://app.example/after-checkout"), terms), CancellationToken.None);

    /// <summary>POSTs a control route under /sandbox and reads its answer; asserts 200.</summary>
    public async Task<SandboxControlResponse> ControlAsync(string path, string body = "")
    {
        var (status, answer) = await ControlRawAsync(path, body);
        status.ShouldBe(200, answer);
        return JsonSerializer.Deserialize(answer, DodoJsonContext.Default.SandboxControlResponse)!;
    }

    public async Task<(int Status, string Body)> ControlRawAsync(string path, string body = "")
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync(new Uri(Host.BaseUrl, "sandbox/" + path), content);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Checks out and pays a product; returns the pay call's answer.</summary>
    public async Task<SandboxControlResponse> PayAsync(string productId, ProductTerms terms, string body = "")
    {
        var session = await CheckoutAsync(productId, terms);
        return await ControlAsync($"checkouts/{session.SessionId}/pay", body);
    }

    /// <summary>Every webhook the receiver got that answered 2xx, verified and mapped by the reader (a refusal fails the test).</summary>
    public List<ProviderEvent> DeliveredEvents() =>
        [.. Receiver.Received.Where(r => r.AnsweredStatus < 300).Select(Read)];

    /// <summary>Verifies and maps one webhook as the reader would have when it arrived (tests move the clock on afterwards).</summary>
    public ProviderEvent Read(ReceivedWebhook webhook)
    {
        var reader = new DodoWebhookReader(Sandbox.Options.WebhookSecret, new FakeTimeProvider(webhook.ArrivedAt));
        var read = reader.Read(webhook.Headers, webhook.Body);
        read.Refusal.ShouldBeNull();
        return read.Event!;
    }

    public static AuthenticationHeaderValue Bearer => new("Bearer", ApiKey);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}
