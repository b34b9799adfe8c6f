namespace Tally.Server.Ui.Admin;

/// <summary>The admin panel's Dashboard pages (docs/ui.md).</summary>
public static class DashboardPages
{
    /// <summary>Maps this area's pages under the signed-in admin group.</summary>
    public static void Map(RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
    }
}
