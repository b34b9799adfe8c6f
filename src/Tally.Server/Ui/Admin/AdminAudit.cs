using Tally.Access;

namespace Tally.Server.Ui.Admin;

/// <summary>
/// Audit records for changes made in the admin panel (SPEC §5: who, what, target, result, from
/// where): the same log the API's audited endpoints write, with the actor <c>admin:email</c>.
/// Money movements are journaled with the same actor as well.
/// </summary>
public sealed class AdminAudit(IAccessStore store, TimeProvider time)
{
    /// <summary>Records <paramref name="action"/> (e.g. "freeze account") on <paramref name="target"/> with its result status and details (no secrets).</summary>
    public Task RecordAsync(HttpContext http, string action, string? target, int status, string? details, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        return store.AppendAuditAsync(new AuditRecord(
            time.GetUtcNow(),
            AdminLogin.ActorOf(http),
            "UI " + action,
            target,
            status,
            http.Connection.RemoteIpAddress?.ToString(),
            Http.Problems.TraceId(http),
            details is { Length: > 8192 } ? details[..8192] : details), ct);
    }
}
