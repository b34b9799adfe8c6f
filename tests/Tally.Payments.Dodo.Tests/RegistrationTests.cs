using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Shouldly;
using Tally.Payments.Dodo.Sandbox;
using Tally.Payments.Dodo.Webhooks;
using Tally.Payments.Providers;
using Xunit;

namespace Tally.Payments.Dodo.Tests;

public sealed class RegistrationTests
{
    private static readonly string Secret = StandardWebhooks.NewSecret();

    [Fact]
    public void AddDodoPayments_registers_the_client_as_the_provider_the_reader_and_a_clock()
    {
        using var services = new ServiceCollection()
            .AddDodoPayments(o => { o.ApiKey = "k"; o.WebhookSecret = Secret; })
            .BuildServiceProvider();
        services.GetRequiredService<IPaymentProvider>().ShouldBeOfType<DodoClient>().Name.ShouldBe("dodo");
        services.GetRequiredService<IWebhookReader>().ShouldBeOfType<DodoWebhookReader>();
        services.GetRequiredService<TimeProvider>().ShouldBe(TimeProvider.System);
        services.GetRequiredService<IOptions<DodoOptions>>().Value.ResolveBaseUrl().ShouldBe(new Uri("https://test.dodopayments.com/"));
    }

    [Theory]
    [InlineData("", "whsec_AAAA", "test_mode", "DODO_API_KEY")]
    [InlineData("k", "", "test_mode", "DODO_WEBHOOK_SECRET")]
    [InlineData("k", "whsec_***", "test_mode", "DODO_WEBHOOK_SECRET")]
    [InlineData("k", "whsec_AAAA", "prod", "DODO_ENVIRONMENT")]
    public void Bad_options_are_refused_naming_the_setting(string apiKey, string secret, string environment, string setting)
    {
        using var services = new ServiceCollection()
            .AddDodoPayments(o => { o.ApiKey = apiKey; o.WebhookSecret = secret; o.Environment = environment; })
            .BuildServiceProvider();
        Should.Throw<OptionsValidationException>(() => services.GetRequiredService<IOptions<DodoOptions>>().Value).Message.ShouldContain(setting);
    }

    [Fact]
    public void Live_mode_uses_the_live_base_url() =>
        new DodoOptions { Environment = DodoOptions.LiveMode }.ResolveBaseUrl().ShouldBe(new Uri("https://live.dodopayments.com/"));

    [Fact]
    public async Task A_failing_post_is_not_retried_by_the_resilience_pipeline()
    {
        var posts = 0;
        await using var app = await StartAsync(a => a.MapPost("/checkouts", () =>
        {
            Interlocked.Increment(ref posts);
            return Results.StatusCode(503);
        }));
        using var services = new ServiceCollection()
            .AddDodoPayments(o => { o.ApiKey = "k"; o.WebhookSecret = Secret; o.BaseUrl = Address(app); })
            .BuildServiceProvider();
        var provider = services.GetRequiredService<IPaymentProvider>();

        var e = await Should.ThrowAsync<PaymentProviderException>(() => provider.CreateCheckoutAsync(
            new CheckoutRequest("pdt_1", null, new Dictionary<string, string>(), null, new ProductTerms("x", 1, "USD", null)), CancellationToken.None));
        e.StatusCode.ShouldBe(503);
        posts.ShouldBe(1);
    }

    [Fact]
    public async Task The_sandbox_mounts_under_a_prefix_inside_another_app()
    {
        await using var app = await StartAsync(
            a =>
            {
                a.MapGet("/", () => "the host app");
                a.MapDodoSandbox("/sandbox/dodo");
            },
            s => s.AddDodoSandbox(new DodoSandboxOptions()));
        var baseUrl = new Uri(Address(app), "sandbox/dodo/");
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var provider = new SandboxPaymentProvider(http, new DodoOptions { ApiKey = "any", BaseUrl = baseUrl });

        var session = await provider.CreateCheckoutAsync(new CheckoutRequest("pdt_1", null, new Dictionary<string, string>(), null,
            new ProductTerms("Credits", 500, "EUR", null)), CancellationToken.None);

        session.CheckoutUrl.AbsoluteUri.ShouldBe(new Uri(baseUrl, "checkout/" + session.SessionId).AbsoluteUri);
        (await http.GetStringAsync(session.CheckoutUrl)).ShouldContain("5.00 EUR");
        (await http.GetStringAsync(Address(app))).ShouldBe("the host app");
        app.Services.GetRequiredService<DodoSandbox>().GetCheckout(session.SessionId).ShouldNotBeNull();
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");

    private static async Task<WebApplication> StartAsync(Action<WebApplication> map, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return app;
    }
}
