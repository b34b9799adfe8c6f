using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Tally.Client.Models;
using Tally.TestSupport.Server;
using Xunit;

namespace Tally.Client.Tests;

/// <summary>The SDK against a real Tally server on loopback.</summary>
public sealed class ClientTests(SqliteServerFixture server) : IClassFixture<SqliteServerFixture>
{
    private TallyClient Client(Action<IHttpClientBuilder>? extra = null)
    {
        var services = new ServiceCollection();
        var builder = services.AddTallyClient(o =>
        {
            o.BaseAddress = server.BaseAddress;
            o.ApiKey = server.AdminKey;
        });
        extra?.Invoke(builder);
        return services.BuildServiceProvider().GetRequiredService<TallyClient>();
    }

    [Fact]
    public async Task Accounts_grants_charges_and_history_round_trip()
    {
        var tally = Client();
        var id = Api.NewAccount();

        var account = await tally.Accounts.EnsureAsync(id, new AccountUpdate(Tier: "premium"));
        await tally.Grants.CreateAsync(id, new GrantRequest(50, Description: "pack"));
        var charged = await tally.Charges.CreateAsync(id, new ChargeRequest(Amount: 30));
        var check = await tally.Charges.CheckAsync(id, new ChargeRequest(Amount: 121));
        var balance = await tally.Accounts.GetBalanceAsync(id);
        var history = await tally.Entries.ListAsync(id, limit: 2);

        account.Tier.ShouldBe("premium");
        charged.Entry!.Amount.ShouldBe(-30);
        check.Allowed.ShouldBeFalse();
        balance.For().Total.ShouldBe(120);
        history.Data[0].Type.ShouldBe("charge");
        history.NextCursor.ShouldNotBeNull();
        (await tally.Entries.ReverseAsync(charged.Entry.Id, 10, "goodwill")).Balance.Total.ShouldBe(130);
    }

    [Fact]
    public async Task Refusals_arrive_as_typed_exceptions()
    {
        var tally = Client();
        var id = Api.NewAccount();
        await tally.Accounts.EnsureAsync(id);

        var poor = await Should.ThrowAsync<TallyInsufficientCreditsException>(() => tally.Charges.CreateAsync(id, new ChargeRequest(Amount: 500)));
        (poor.Available, poor.Required, poor.Code).ShouldBe((100m, 500m, "insufficient_credits"));
        var invalid = await Should.ThrowAsync<TallyValidationException>(() => tally.Charges.CreateAsync(id, new ChargeRequest(Amount: -1)));
        invalid.Errors.Keys.ShouldContain("amount");
        await Should.ThrowAsync<TallyNotFoundException>(() => tally.Accounts.GetAsync(Api.NewAccount("nobody")));
        await Should.ThrowAsync<TallyConflictException>(async () =>
        {
            await tally.Charges.CreateAsync(id, new ChargeRequest(Amount: 1), new RequestOptions("same-key"));
            await tally.Charges.CreateAsync(id, new ChargeRequest(Amount: 2), new RequestOptions("same-key"));
        });
        await server.Client().PostAsync($"/v1/accounts/{id}/freeze");
        await Should.ThrowAsync<TallyAccountFrozenException>(() => tally.Charges.CreateAsync(id, new ChargeRequest(Amount: 1)));
    }

    [Fact]
    public async Task A_retry_after_a_lost_answer_reuses_the_idempotency_key_and_charges_once()
    {
        var dropper = new DropFirstAnswer();
        var tally = Client(builder => builder.AddHttpMessageHandler(() => dropper));
        var id = Api.NewAccount();
        await tally.Accounts.EnsureAsync(id);
        dropper.Armed = true;

        var charged = await tally.Charges.CreateAsync(id, new ChargeRequest(Amount: 7));

        dropper.Dropped.ShouldBe(1);
        dropper.Keys.Distinct().Count().ShouldBe(1);
        charged.Balance.Total.ShouldBe(93);
        (await tally.Accounts.GetBalanceAsync(id)).For().Total.ShouldBe(93);
        (await tally.Entries.ListAsync(id, type: "charge")).Data.Count.ShouldBe(1);
    }

    [Fact]
    public async Task An_unreachable_server_is_TallyUnavailableException()
    {
        var services = new ServiceCollection();
        services.AddTallyClient(o =>
        {
            o.BaseAddress = new Uri("http://127.0.0.1:9");
            o.ApiKey = "tally_sk_x";
            o.AttemptTimeout = TimeSpan.FromSeconds(1);
            o.TotalTimeout = TimeSpan.FromSeconds(3);
        });
        var tally = services.BuildServiceProvider().GetRequiredService<TallyClient>();

        await Should.ThrowAsync<TallyUnavailableException>(() => tally.Accounts.GetBalanceAsync("anyone"));
    }

    /// <summary>Lets the first armed request reach the server, then loses its answer (a network failure after the commit).</summary>
    private sealed class DropFirstAnswer : DelegatingHandler
    {
        public bool Armed { get; set; }
        public int Dropped { get; private set; }
        public List<string> Keys { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Armed && request.Headers.TryGetValues("Idempotency-Key", out var keys))
            {
                Keys.Add(keys.Single());
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (Armed && Dropped == 0)
            {
                Dropped++;
                response.Dispose();
                throw new HttpRequestException("connection reset after the server committed");
            }

            return response;
        }
    }
}
