using Microsoft.Extensions.Diagnostics.HealthChecks;
using Tally.Access;

namespace Tally.Server.Ops;

/// <summary>/readyz: the database answers and every migration has been applied.</summary>
public sealed class DatabaseReadyCheck(IAccessStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var pending = await store.PendingMigrationsAsync(cancellationToken);
            return pending == 0
                ? HealthCheckResult.Healthy("database reachable, schema current")
                : HealthCheckResult.Unhealthy($"{pending} migration(s) pending; run tally migrate");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("database unreachable", e);
        }
    }
}
