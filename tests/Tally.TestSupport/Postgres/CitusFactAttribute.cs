namespace Tally.TestSupport.Postgres;

/// <summary>A test that needs Citus: skipped (not failed) where Citus is not installed.</summary>
public sealed class CitusFactAttribute : Xunit.FactAttribute
{
    /// <summary>Skips when <see cref="CitusCluster.IsInstalled"/> is false.</summary>
    public CitusFactAttribute()
    {
        if (CitusCluster.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
