using Tally.Ledger;
using Tally.Ledger.Model;
using Tally.Payments;

namespace Tally.Server.Ui.Admin;

/// <summary>One row of the account list: the account with its balances (null if it vanished meanwhile).</summary>
public sealed record AccountListRow(string Id, AccountView? View);

/// <summary>The admin panel's Accounts pages (docs/ui.md): search and list, an account's page, its journal; changes in <see cref="AccountActions"/>.</summary>
public static class AccountsPages
{
    public const int PageSize = 25;

    /// <summary>The longest search text accepted (account ids are at most 200 characters).</summary>
    public const int MaxQueryLength = AccountIds.MaxLength;

    /// <summary>Maps this area's pages under the signed-in admin group.</summary>
    public static void Map(RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        admin.MapGet("/accounts", ListAsync);
        admin.MapGet("/accounts/{id}", (string id, string? done, HttpContext http, CreditLedger ledger, IPaymentStore payments, CancellationToken ct) =>
            DetailAsync(http, id, ledger, payments, done is not null && AccountActions.Notices.TryGetValue(done, out var notice) ? notice : null, AccountFormState.None, StatusCodes.Status200OK, ct));
        admin.MapGet("/accounts/{id}/journal", JournalAsync);
        AccountActions.Map(admin);
    }

    /// <summary>The account page, with a notice after a change or a refused form's state.</summary>
    public static async Task<IResult> DetailAsync(HttpContext http, string id, CreditLedger ledger, IPaymentStore payments, string? notice, AccountFormState state, int status, CancellationToken ct)
    {
        var model = await AccountDetail.LoadAsync(id, ledger, payments, ct);
        return model is null
            ? NotFound(http, id)
            : UiEndpoints.Page<AccountPage>(new
            {
                Email = AdminLogin.EmailOf(http),
                Notice = notice,
                Model = model,
                State = state,
                AdjustKey = Guid.NewGuid().ToString("N"),
            }, status);
    }

    public static IResult NotFound(HttpContext http, string id) =>
        UiEndpoints.Page<AccountsPage>(new { Email = AdminLogin.EmailOf(http), Query = "", Missing = id }, StatusCodes.Status404NotFound);

    private static async Task<IResult> ListAsync(string? q, string? after, HttpContext http, CreditLedger ledger, CancellationToken ct)
    {
        var query = (q ?? "").Trim();
        if (query.Length > MaxQueryLength)
        {
            query = query[..MaxQueryLength];
        }

        var directory = AccountDetail.Directory(ledger);
        var ids = await directory.ListAccountIdsAsync(query, string.IsNullOrEmpty(after) ? null : after, PageSize + 1, ct);
        var rows = new List<AccountListRow>();
        foreach (var id in ids.Take(PageSize))
        {
            rows.Add(new AccountListRow(id, await ledger.GetAccountAsync(id, ct)));
        }

        return UiEndpoints.Page<AccountsPage>(new
        {
            Email = AdminLogin.EmailOf(http),
            Query = query,
            Rows = rows,
            Next = ids.Count > PageSize ? rows[^1].Id : null,
            Paged = !string.IsNullOrEmpty(after),
            Total = await directory.CountAccountsAsync(ct),
        });
    }

    private static async Task<IResult> JournalAsync(string id, string? before, HttpContext http, CreditLedger ledger, CancellationToken ct)
    {
        var account = await ledger.GetAccountAsync(id, ct);
        if (account is null)
        {
            return NotFound(http, id);
        }

        var (lines, older) = await AccountDetail.JournalAsync(id, before, AccountDetail.JournalPageSize, ledger, ct);
        return UiEndpoints.Page<AccountJournalPage>(new
        {
            Email = AdminLogin.EmailOf(http),
            Account = id,
            Lines = lines,
            Older = older,
            Paged = !string.IsNullOrEmpty(before),
        });
    }
}
