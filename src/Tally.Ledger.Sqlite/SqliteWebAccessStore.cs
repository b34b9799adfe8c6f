using System.Data.Common;
using Tally.Access;
using Tally.Ledger.Relational;

namespace Tally.Ledger.Sqlite;

/// <summary>Admin users and portal links on SQLite (docs/ui.md).</summary>
public sealed partial class SqliteLedgerStore : IWebAccessStore
{
    public async Task<bool> CreateAdminAsync(AdminUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        return await ExecuteWrite(WebAccessSql.InsertAdmin, WebAccessSql.NormalizeEmail(user.Email), user.PasswordHash, SqliteTime.ToMicros(user.CreatedAt)) == 1;
    }

    public async Task<bool> SetAdminPasswordAsync(string email, string passwordHash, CancellationToken cancellationToken) =>
        await ExecuteWrite(WebAccessSql.SetAdminPassword, WebAccessSql.NormalizeEmail(email), passwordHash) == 1;

    public Task<AdminUser?> FindAdminAsync(string email, CancellationToken cancellationToken) =>
        ReadAsync(session => ReadAll(session[WebAccessSql.FindAdmin].Query(WebAccessSql.NormalizeEmail(email)), Admin).FirstOrDefault(), cancellationToken);

    public Task<int> CountAdminsAsync(CancellationToken cancellationToken) =>
        ReadAsync(session => ReadAll(session[WebAccessSql.CountAdmins].Query(), r => r.GetInt32(0))[0], cancellationToken);

    public Task RecordLoginFailureAsync(string email, int maxFailures, DateTimeOffset lockUntil, CancellationToken cancellationToken) =>
        ExecuteWrite(WebAccessSql.LoginFailed, WebAccessSql.NormalizeEmail(email), maxFailures, SqliteTime.ToMicros(lockUntil));

    public Task RecordLoginAsync(string email, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteWrite(WebAccessSql.LoginSucceeded, WebAccessSql.NormalizeEmail(email), SqliteTime.ToMicros(now));

    public Task CreatePortalLinkAsync(PortalLink link, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(link);
        return ExecuteWrite(WebAccessSql.InsertLink, link.TokenHash, link.Account, link.ReturnUrl, SqliteTime.ToMicros(link.CreatedAt), SqliteTime.ToMicros(link.ExpiresAt));
    }

    public Task<PortalLink?> UsePortalLinkAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken) =>
        WithWriterAsync(session => ReadAll(session[WebAccessSql.UseLink].Query(tokenHash, SqliteTime.ToMicros(now)), Link).FirstOrDefault());

    public Task<PortalLink?> FindPortalLinkAsync(byte[] tokenHash, CancellationToken cancellationToken) =>
        ReadAsync(session => ReadAll(session[WebAccessSql.FindLink].Query(tokenHash), Link).FirstOrDefault(), cancellationToken);

    private static AdminUser Admin(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetInt32(2), r.IsDBNull(3) ? null : SqliteTime.Read(r, 3), SqliteTime.Read(r, 4), r.IsDBNull(5) ? null : SqliteTime.Read(r, 5));

    private static PortalLink Link(DbDataReader r) => new(
        (byte[])r.GetValue(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), SqliteTime.Read(r, 3), SqliteTime.Read(r, 4), r.IsDBNull(5) ? null : SqliteTime.Read(r, 5));
}
