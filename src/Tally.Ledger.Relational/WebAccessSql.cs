namespace Tally.Ledger.Relational;

/// <summary>Admin users' and portal links' SQL both engines accept; timestamps bound in each store's representation.</summary>
public static class WebAccessSql
{
    private const string AdminColumns = "email, password_hash, failed_logins, locked_until, created_at, last_login_at";
    private const string LinkColumns = "token_hash, account, return_url, created_at, expires_at, used_at";

    public const string InsertAdmin = $"INSERT INTO admin_users ({AdminColumns}) VALUES ($1, $2, 0, NULL, $3, NULL) ON CONFLICT (email) DO NOTHING";
    public const string SetAdminPassword = "UPDATE admin_users SET password_hash = $2, failed_logins = 0, locked_until = NULL WHERE email = $1";
    public const string FindAdmin = $"SELECT {AdminColumns} FROM admin_users WHERE email = $1";
    public const string CountAdmins = "SELECT COUNT(*) FROM admin_users";

    /// <summary>$1 email, $2 failures that lock, $3 locked until.</summary>
    public const string LoginFailed = "UPDATE admin_users SET failed_logins = failed_logins + 1, locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END WHERE email = $1";
    public const string LoginSucceeded = "UPDATE admin_users SET failed_logins = 0, locked_until = NULL, last_login_at = $2 WHERE email = $1";

    public const string InsertLink = $"INSERT INTO portal_links ({LinkColumns}) VALUES ($1, $2, $3, $4, $5, NULL)";
    public const string UseLink = $"UPDATE portal_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING {LinkColumns}";
    public const string FindLink = $"SELECT {LinkColumns} FROM portal_links WHERE token_hash = $1";

    /// <summary>Emails compare case-insensitively: stored and looked up lower-cased, trimmed.</summary>
    public static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();
}
