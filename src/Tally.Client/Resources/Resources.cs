using System.Globalization;
using Tally.Client.Models;

namespace Tally.Client.Resources;

/// <summary>Accounts: ensure (create with the signup grant, or update), read, balances.</summary>
public sealed class AccountsClient(TallyTransport transport)
{
    /// <summary>Creates the account if missing (signup grant once) and applies the update.</summary>
    public Task<Account> EnsureAsync(string account, AccountUpdate? update = null, RequestOptions? options = null, CancellationToken ct = default) =>
        transport.SendAsync<Account>(HttpMethod.Put, Path(account), update ?? new AccountUpdate(), options?.IdempotencyKey, ct);

    /// <summary>The account and its balances; <see cref="TallyNotFoundException"/> when unknown.</summary>
    public Task<Account> GetAsync(string account, CancellationToken ct = default) =>
        transport.SendAsync<Account>(HttpMethod.Get, Path(account), null, null, ct);

    public Task<AccountBalances> GetBalanceAsync(string account, CancellationToken ct = default) =>
        transport.SendAsync<AccountBalances>(HttpMethod.Get, Path(account) + "/balance", null, null, ct);

    internal static string Path(string account) => "v1/accounts/" + Uri.EscapeDataString(account);
}

/// <summary>Charges and the advisory check.</summary>
public sealed class ChargesClient(TallyTransport transport)
{
    /// <summary>
    /// Charges the account. Throws <see cref="TallyInsufficientCreditsException"/> (402) or
    /// <see cref="TallyAccountFrozenException"/> (423) when refused; safe to retry (the call's
    /// idempotency key is reused).
    /// </summary>
    public Task<MutationResult> CreateAsync(string account, ChargeRequest charge, RequestOptions? options = null, CancellationToken ct = default) =>
        transport.SendAsync<MutationResult>(HttpMethod.Post, AccountsClient.Path(account) + "/charges", charge, options?.IdempotencyKey, ct);

    /// <summary>Would this charge succeed now? Advisory only: a real charge decides.</summary>
    public Task<ChargeCheck> CheckAsync(string account, ChargeRequest charge, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(charge);
        var query = charge.Feature is not null
            ? $"feature={Uri.EscapeDataString(charge.Feature)}" + (charge.Quantity is { } q ? $"&quantity={q.ToString(CultureInfo.InvariantCulture)}" : "")
            : $"amount={charge.Amount?.ToString(CultureInfo.InvariantCulture)}";
        return transport.SendAsync<ChargeCheck>(HttpMethod.Get, AccountsClient.Path(account) + "/charges/check?" + query, null, null, ct);
    }
}

/// <summary>Grants (add credits).</summary>
public sealed class GrantsClient(TallyTransport transport)
{
    public Task<MutationResult> CreateAsync(string account, GrantRequest grant, RequestOptions? options = null, CancellationToken ct = default) =>
        transport.SendAsync<MutationResult>(HttpMethod.Post, AccountsClient.Path(account) + "/grants", grant, options?.IdempotencyKey, ct);
}

/// <summary>Holds: reserve for work of unknown cost, then capture what it cost or release.</summary>
public sealed class HoldsClient(TallyTransport transport)
{
    public Task<Hold> ReserveAsync(string account, HoldRequest hold, RequestOptions? options = null, CancellationToken ct = default) =>
        transport.SendAsync<Hold>(HttpMethod.Post, AccountsClient.Path(account) + "/holds", hold, options?.IdempotencyKey, ct);

    /// <summary>Charges <paramref name="amount"/> (default: all held) and returns the rest.</summary>
    public Task<HoldResult> CaptureAsync(string holdId, decimal? amount = null, RequestOptions? options = null, CancellationToken ct = default) =>
        transport.SendAsync<HoldResult>(HttpMethod.Post, $"v1/holds/{Uri.EscapeDataString(holdId)}/capture", new { amount }, options?.IdempotencyKey, ct);

    public Task<HoldResult> ReleaseAsync(string holdId, RequestOptions? options = null, CancellationToken ct = default) =>
        transport.SendAsync<HoldResult>(HttpMethod.Post, $"v1/holds/{Uri.EscapeDataString(holdId)}/release", new { }, options?.IdempotencyKey, ct);
}

/// <summary>History and reversals.</summary>
public sealed class EntriesClient(TallyTransport transport)
{
    /// <summary>A page of history, newest first; pass the previous page's <c>NextCursor</c> to go on.</summary>
    public Task<EntryPage> ListAsync(string account, int limit = 50, string? cursor = null, string? type = null, CancellationToken ct = default)
    {
        var query = $"limit={limit}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)) + (type is null ? "" : "&type=" + Uri.EscapeDataString(type));
        return transport.SendAsync<EntryPage>(HttpMethod.Get, AccountsClient.Path(account) + "/entries?" + query, null, null, ct);
    }

    public Task<MutationResult> ReverseAsync(string entryId, decimal? amount = null, string? reason = null, RequestOptions? options = null, CancellationToken ct = default) =>
        transport.SendAsync<MutationResult>(HttpMethod.Post, $"v1/entries/{Uri.EscapeDataString(entryId)}/reverse", new { amount, reason }, options?.IdempotencyKey, ct);
}

/// <summary>Transfers between accounts.</summary>
public sealed class TransfersClient(TallyTransport transport)
{
    public Task<TransferResult> CreateAsync(TransferRequest transfer, RequestOptions? options = null, CancellationToken ct = default) =>
        transport.SendAsync<TransferResult>(HttpMethod.Post, "v1/transfers", transfer, options?.IdempotencyKey, ct);
}
