namespace Tally.Server.Ui.Admin;

/// <summary>The admin panel's ApiKeys pages (docs/ui.md).</summary>
public static class ApiKeysPages
{
    /// <summary>Maps this area's pages under the signed-in admin group.</summary>
    public static void Map(RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
    }
}
