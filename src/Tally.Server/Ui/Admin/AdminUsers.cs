using Microsoft.AspNetCore.Identity;
using Tally.Access;

namespace Tally.Server.Ui.Admin;

/// <summary>What a login attempt found.</summary>
public enum LoginOutcome
{
    Success,
    WrongCredentials,
    LockedOut,
}

/// <summary>
/// Admin users (SPEC §5): passwords hashed with ASP.NET Core's <see cref="PasswordHasher{TUser}"/>
/// (PBKDF2, rehashed when its defaults move), and a lockout after <see cref="MaxFailures"/> failed
/// logins in a row that lasts <see cref="LockoutDuration"/>. An unknown email costs the same hash
/// verification as a known one, so timing does not tell which emails exist.
/// </summary>
public sealed class AdminUsers(IWebAccessStore store, TimeProvider time)
{
    public const int MinPasswordLength = 12;
    public const int MaxPasswordLength = 256;
    public const int MaxFailures = 5;
    public static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(15);

    private static readonly PasswordHasher<AdminUser> Hasher = new();
    private static readonly string DummyHash = Hasher.HashPassword(null!, "not a password anyone has");

    /// <summary>Why a new admin's email or password is refused, or null.</summary>
    public static string? Refusal(string email, string password)
    {
        ArgumentNullException.ThrowIfNull(email);
        ArgumentNullException.ThrowIfNull(password);
        var trimmed = email.Trim();
        if (trimmed.Length is 0 or > 254 || trimmed.IndexOf('@', StringComparison.Ordinal) is <= 0 || trimmed.EndsWith('@') || trimmed.Any(char.IsWhiteSpace))
        {
            return "give an email address, like admin@example.com";
        }

        return password.Length is < MinPasswordLength or > MaxPasswordLength
            ? $"the password must be {MinPasswordLength} to {MaxPasswordLength} characters"
            : null;
    }

    /// <summary>Creates the user; false when one with this email exists (its password is left alone).</summary>
    public Task<bool> CreateAsync(string email, string password, CancellationToken ct) =>
        store.CreateAdminAsync(new AdminUser(email, Hasher.HashPassword(null!, password), 0, null, time.GetUtcNow(), null), ct);

    /// <summary>Sets a new password (and lifts a lockout); false for an unknown email.</summary>
    public Task<bool> SetPasswordAsync(string email, string password, CancellationToken ct) =>
        store.SetAdminPasswordAsync(email, Hasher.HashPassword(null!, password), ct);

    public async Task<(LoginOutcome Outcome, DateTimeOffset? LockedUntil)> LoginAsync(string email, string password, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var user = email.Length is > 0 and <= 254 ? await store.FindAdminAsync(email, ct) : null;
        if (user?.LockedUntil is { } until && until > now)
        {
            return (LoginOutcome.LockedOut, until);
        }

        var verdict = Hasher.VerifyHashedPassword(user!, user?.PasswordHash ?? DummyHash, password);
        if (user is null)
        {
            return (LoginOutcome.WrongCredentials, null);
        }

        if (verdict == PasswordVerificationResult.Failed)
        {
            await store.RecordLoginFailureAsync(user.Email, MaxFailures, now + LockoutDuration, ct);
            return user.FailedLogins + 1 >= MaxFailures ? (LoginOutcome.LockedOut, now + LockoutDuration) : (LoginOutcome.WrongCredentials, null);
        }

        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            await store.SetAdminPasswordAsync(user.Email, Hasher.HashPassword(user, password), ct);
        }

        await store.RecordLoginAsync(user.Email, now, ct);
        return (LoginOutcome.Success, null);
    }
}
