using Npgsql;
using Tally.Access;
using Tally.Ledger.Relational;

namespace Tally.Ledger.Postgres;

/// <summary>Admin users and portal links on PostgreSQL (docs/ui.md).</summary>
public sealed partial class PostgresLedgerStore : IWebAccessStore
{
    public async Task<bool> CreateAdminAsync(AdminUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        return await ExecuteAsync(WebAccessSql.InsertAdmin, cancellationToken, WebAccessSql.NormalizeEmail(user.Email), user.PasswordHash, PgTime.ToDb(user.CreatedAt)) == 1;
    }

    public async Task<bool> SetAdminPasswordAsync(string email, string passwordHash, CancellationToken cancellationToken) =>
        await ExecuteAsync(WebAccessSql.SetAdminPassword, cancellationToken, WebAccessSql.NormalizeEmail(email), passwordHash) == 1;

    public async Task<AdminUser?> FindAdminAsync(string email, CancellationToken cancellationToken) =>
        (await QueryAsync(WebAccessSql.FindAdmin, Admin, cancellationToken, WebAccessSql.NormalizeEmail(email))).FirstOrDefault();

    public async Task<int> CountAdminsAsync(CancellationToken cancellationToken) =>
        (await QueryAsync(WebAccessSql.CountAdmins, r => (int)r.GetInt64(0), cancellationToken))[0];

    public Task RecordLoginFailureAsync(string email, int maxFailures, DateTimeOffset lockUntil, CancellationToken cancellationToken) =>
        ExecuteAsync(WebAccessSql.LoginFailed, cancellationToken, WebAccessSql.NormalizeEmail(email), maxFailures, PgTime.ToDb(lockUntil));

    public Task RecordLoginAsync(string email, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(WebAccessSql.LoginSucceeded, cancellationToken, WebAccessSql.NormalizeEmail(email), PgTime.ToDb(now));

    public Task CreatePortalLinkAsync(PortalLink link, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(link);
        return ExecuteAsync(WebAccessSql.InsertLink, cancellationToken, link.TokenHash, link.Account, link.ReturnUrl, PgTime.ToDb(link.CreatedAt), PgTime.ToDb(link.ExpiresAt));
    }

    public async Task<PortalLink?> UsePortalLinkAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await QueryAsync(WebAccessSql.UseLink, Link, cancellationToken, tokenHash, PgTime.ToDb(now))).FirstOrDefault();

    public async Task<PortalLink?> FindPortalLinkAsync(byte[] tokenHash, CancellationToken cancellationToken) =>
        (await QueryAsync(WebAccessSql.FindLink, Link, cancellationToken, tokenHash)).FirstOrDefault();

    private static AdminUser Admin(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetInt32(2), r.IsDBNull(3) ? null : PgTime.Read(r, 3), PgTime.Read(r, 4), r.IsDBNull(5) ? null : PgTime.Read(r, 5));

    private static PortalLink Link(NpgsqlDataReader r) => new(
        (byte[])r.GetValue(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), PgTime.Read(r, 3), PgTime.Read(r, 4), r.IsDBNull(5) ? null : PgTime.Read(r, 5));
}
