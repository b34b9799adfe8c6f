extern alias sample;

using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Tally.Testing;
using Xunit;
using SampleProgram = sample::Program;

namespace Tally.Sample.Tests;

/// <summary>
/// The sample host app tested the way a team would test theirs: the app in-process
/// (WebApplicationFactory), a real Tally beside it (TallyTestServer), customers buying credits
/// through the sandbox.
/// </summary>
public sealed class SampleAppTests : IAsyncLifetime
{
    private TallyTestServer _tally = null!;
    private WebApplicationFactory<SampleProgram> _app = null!;

    public async Task InitializeAsync()
    {
        // New accounts start empty here (the default welcome grant is CREDIT_INITIAL_AMOUNT=100).
        var options = new TallyTestServerOptions();
        options.Settings["CREDIT_INITIAL_AMOUNT"] = "0";
        _tally = await TallyTestServer.StartAsync(options);
        _app = new WebApplicationFactory<SampleProgram>().WithWebHostBuilder(web =>
        {
            web.UseSetting("TALLY_URL", _tally.BaseAddress.ToString());
            web.UseSetting("TALLY_API_KEY", _tally.AdminKey);
        });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _tally.DisposeAsync();
    }

    private HttpClient As(string user)
    {
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Add("X-User", user);
        return client;
    }

    [Fact]
    public async Task A_customer_who_bought_a_pack_generates_an_image_and_pays_its_credits()
    {
        var user = $"buyer-{Guid.NewGuid():N}";
        await _tally.SimulatePurchaseAsync(user, packageId: "starter");
        (await _tally.BalanceAsync(user)).ShouldBe(500);

        using var response = await As(user).PostAsync("/images", null);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _tally.BalanceAsync(user)).ShouldBe(490, "image.generate costs 10 credits");
    }

    [Fact]
    public async Task A_customer_without_credits_is_refused_with_402_and_keeps_nothing()
    {
        using var response = await As($"broke-{Guid.NewGuid():N}").PostAsync("/images", null);

        response.StatusCode.ShouldBe(HttpStatusCode.PaymentRequired);
    }

    [Fact]
    public async Task A_refund_takes_the_pack_back_and_a_subscription_grants_each_period()
    {
        var user = $"refund-{Guid.NewGuid():N}";
        var purchase = await _tally.SimulatePurchaseAsync(user, packageId: "starter");
        await _tally.SimulateRefundAsync(purchase);
        (await _tally.BalanceAsync(user)).ShouldBe(0);

        var subscriber = $"sub-{Guid.NewGuid():N}";
        var subscription = await _tally.SimulatePurchaseAsync(subscriber, planId: "basic-monthly");
        (await _tally.BalanceAsync(subscriber)).ShouldBe(1_000);
        subscription.ProviderSubscriptionId.ShouldNotBeNull();
    }

    [Fact]
    public async Task A_fake_clock_expires_credits_without_waiting()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new TallyTestServerOptions { Clock = clock };
        options.Settings["CREDIT_INITIAL_AMOUNT"] = "0";
        await using var tally = await TallyTestServer.StartAsync(options);
        using var admin = tally.CreateHttpClient();
        var user = $"promo-{Guid.NewGuid():N}";
        using (var granted = await admin.PostAsync($"/v1/accounts/{user}/grants", Json($$"""{"amount":50,"source":"promo","expiresAt":"{{clock.GetUtcNow().AddDays(1):O}}"}""")))
        {
            granted.StatusCode.ShouldBe(HttpStatusCode.Created, await granted.Content.ReadAsStringAsync());
        }

        clock.Advance(TimeSpan.FromDays(2));

        (await tally.BalanceAsync(user)).ShouldBe(0, "past their expiry the credits are gone");
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");
}
