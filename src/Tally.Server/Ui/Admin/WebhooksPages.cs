namespace Tally.Server.Ui.Admin;

/// <summary>The admin panel's Webhooks pages (docs/ui.md).</summary>
public static class WebhooksPages
{
    /// <summary>Maps this area's pages under the signed-in admin group.</summary>
    public static void Map(RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
    }
}
