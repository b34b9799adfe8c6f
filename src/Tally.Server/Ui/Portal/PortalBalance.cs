using Microsoft.Extensions.Options;
using Tally.Ledger.Amounts;
using Tally.Ledger.Model;
using Tally.Ledger.Storage;
using Tally.Server.Auth;
using Tally.Server.Contracts;
using Tally.Server.Hosting;
using Tally.Server.Http;

namespace Tally.Server.Ui.Portal;

/// <summary>Where part of a balance came from, and its soonest expiry.</summary>
public sealed record SourceShare(string Source, decimal Amount, DateTimeOffset? NextExpiry, decimal NextExpiryAmount);

/// <summary>One unit's balance on the portal: the live figures, the split by source, and whether it is low.</summary>
public sealed record PortalUnitBalance(BalanceDto Balance, IReadOnlyList<SourceShare> Sources, decimal LowThreshold)
{
    public bool Low => Balance.Available < LowThreshold;
}

/// <summary>The portal's Balance page (<c>/portal</c>) and the live balance every portal page can show.</summary>
public static class PortalBalance
{
    /// <summary>The sources a customer sees, in this order.</summary>
    public static readonly IReadOnlyList<string> SourceNames = ["Subscription", "Purchased", "Promo", "Granted"];

    public static void Map(RouteGroupBuilder pages) => pages.MapGet("", HomeAsync);

    /// <summary>
    /// What a lot counts as for the customer: subscription and purchase lots by their source, promo
    /// codes as promo, and anything else (signup, admin, refunds, transfers, imports) as purchased
    /// when it was paid for, else granted.
    /// </summary>
    public static string SourceOf(LotRow lot)
    {
        ArgumentNullException.ThrowIfNull(lot);
        return lot.Source switch
        {
            LotSource.Subscription => "Subscription",
            LotSource.Purchase => "Purchased",
            LotSource.Promo => "Promo",
            _ => lot.Paid ? "Purchased" : "Granted",
        };
    }

    /// <summary>The account's balances as the wire has them, with a zero default-unit card when it has none yet (so the live stream has somewhere to write).</summary>
    public static IReadOnlyList<BalanceDto> Balances(AccountView? view)
    {
        var balances = view is null ? [] : view.Balances.Select(BalanceDto.From).ToList();
        if (!balances.Any(b => b.Unit == UnitInfo.DefaultKey))
        {
            balances.Insert(0, new BalanceDto(UnitInfo.DefaultKey, 0, 0, 0, null));
        }

        return balances;
    }

    /// <summary>A client token for the page's live stream.</summary>
    public static async Task<string> StreamTokenAsync(ClientTokens tokens, string account, CancellationToken ct) =>
        (await tokens.IssueAsync(account, PortalPages.StreamTokenTtl, ct)).Token;

    private static async Task<IResult> HomeAsync(HttpContext http, LedgerGateway gateway, ILedgerStore store, ClientTokens tokens, IOptions<TallyOptions> options, CancellationToken ct)
    {
        var account = PortalLinks.AccountOf(http.User);
        var ledger = gateway.Ledger;
        var view = await ledger.GetAccountAsync(account, ct);
        var lots = store is IOpenLotReader reader ? await reader.ReadOpenLotsAsync(account, ledger.Now(), ct) : [];
        var threshold = view?.LowBalanceThreshold ?? options.Value.LowBalanceThreshold;
        var units = new List<PortalUnitBalance>();
        foreach (var balance in Balances(view))
        {
            var unit = view?.Balances.FirstOrDefault(b => b.Unit.Key == balance.Unit)?.Unit ?? UnitInfo.Default;
            var mine = lots.Where(l => l.Unit == balance.Unit).ToList();
            var shares = SourceNames.Select(source =>
            {
                var of = mine.Where(l => SourceOf(l) == source).ToList();
                var next = of.Where(l => l.ExpiresAt is not null).MinBy(l => l.ExpiresAt)?.ExpiresAt;
                var expiring = next is null ? 0 : unit.ToDecimal(new Credits(of.Where(l => l.ExpiresAt == next).Sum(l => l.Remaining.Minor)));
                return new SourceShare(source, unit.ToDecimal(new Credits(of.Sum(l => l.Remaining.Minor))), next, expiring);
            }).ToList();
            units.Add(new PortalUnitBalance(balance, shares, threshold));
        }

        return UiEndpoints.Page<PortalHomePage>(new
        {
            Account = account,
            Token = await StreamTokenAsync(tokens, account, ct),
            ReturnUrl = PortalPages.ReturnUrlOf(http),
            Units = units,
        });
    }
}
