namespace Tally.Access;

/// <summary>An admin panel user (SPEC §5): the password hash is ASP.NET Core's password hasher's output.</summary>
public sealed record AdminUser(
    string Email,
    string PasswordHash,
    int FailedLogins,
    DateTimeOffset? LockedUntil,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastLoginAt);

/// <summary>A one-time customer-portal link as stored: only the SHA-256 of its token is kept.</summary>
public sealed record PortalLink(
    byte[] TokenHash,
    string Account,
    string? ReturnUrl,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? UsedAt);

/// <summary>
/// Who may use the web UI: admin users (cookie login with lockout) and the one-time links that
/// open the customer portal for one account. Both stores implement it in the same database.
/// </summary>
public interface IWebAccessStore
{
    /// <summary>False when a user with this email exists already.</summary>
    Task<bool> CreateAdminAsync(AdminUser user, CancellationToken cancellationToken);

    /// <summary>Replaces the password and lifts any lockout; false for an unknown email.</summary>
    Task<bool> SetAdminPasswordAsync(string email, string passwordHash, CancellationToken cancellationToken);

    Task<AdminUser?> FindAdminAsync(string email, CancellationToken cancellationToken);

    Task<int> CountAdminsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Counts a failed login in one statement (two at once both count) and locks the user until
    /// <paramref name="lockUntil"/> when the count reaches <paramref name="maxFailures"/>.
    /// </summary>
    Task RecordLoginFailureAsync(string email, int maxFailures, DateTimeOffset lockUntil, CancellationToken cancellationToken);

    /// <summary>Resets the failure count and lockout and notes the time.</summary>
    Task RecordLoginAsync(string email, DateTimeOffset now, CancellationToken cancellationToken);

    Task CreatePortalLinkAsync(PortalLink link, CancellationToken cancellationToken);

    /// <summary>
    /// Uses the link once: marks it used and answers it when it was unused and unexpired at
    /// <paramref name="now"/>; of two concurrent uses exactly one succeeds. Null otherwise.
    /// </summary>
    Task<PortalLink?> UsePortalLinkAsync(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The link as stored (to say why it cannot be used), or null.</summary>
    Task<PortalLink?> FindPortalLinkAsync(byte[] tokenHash, CancellationToken cancellationToken);
}
