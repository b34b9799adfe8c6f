namespace Tally.Access;

/// <summary>
/// What the admin panel's audit log filters on: actor and action contain the text (any case),
/// target is exact, and <c>At</c> in [<see cref="From"/>, <see cref="Until"/>). Null matches all.
/// </summary>
public sealed record AuditFilter(string? Actor, string? Action, string? Target, DateTimeOffset? From, DateTimeOffset? Until);

/// <summary>An audit record with its position in the log (for paging).</summary>
public sealed record AuditRow(long Id, AuditRecord Record);

/// <summary>Searches the audit log, newest first; both stores implement it beside <see cref="IAccessStore"/>.</summary>
public interface IAuditLogQuery
{
    /// <summary>At most <paramref name="limit"/> records matching <paramref name="filter"/>, older than <paramref name="beforeId"/> when paging.</summary>
    Task<IReadOnlyList<AuditRow>> SearchAuditAsync(AuditFilter filter, long? beforeId, int limit, CancellationToken cancellationToken);
}
