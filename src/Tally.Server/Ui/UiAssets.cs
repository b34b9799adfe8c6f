using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace Tally.Server.Ui;

/// <summary>
/// The UI's stylesheet and scripts, embedded in the assembly so the single-file binary and a host
/// app's NuGet reference serve them too (no CDN, no build step). Served at <c>/ui/assets/{name}</c>
/// with a content-hash ETag, cached for an hour and revalidated after.
/// </summary>
public sealed class UiAssets
{
    public const string Prefix = "/ui/assets";

    private readonly FrozenDictionary<string, (byte[] Body, string ContentType, EntityTagHeaderValue ETag)> _assets;

    public UiAssets()
    {
        var assembly = typeof(UiAssets).Assembly;
        const string marker = ".Ui.Assets.";
        _assets = assembly.GetManifestResourceNames()
            .Where(n => n.Contains(marker, StringComparison.Ordinal))
            .ToFrozenDictionary(
                n => n[(n.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..],
                n =>
                {
                    using var stream = assembly.GetManifestResourceStream(n)!;
                    using var copy = new MemoryStream();
                    stream.CopyTo(copy);
                    var body = copy.ToArray();
                    var type = Path.GetExtension(n) switch
                    {
                        ".css" => "text/css; charset=utf-8",
                        ".js" => "text/javascript; charset=utf-8",
                        ".svg" => "image/svg+xml",
                        _ => "application/octet-stream",
                    };
                    return (body, type, new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(body))[..16]}\""));
                },
                StringComparer.Ordinal);
    }

    /// <summary>The asset's URL with its version, so a new release is never served from an old cache.</summary>
    public string Url(string name) => _assets.TryGetValue(name, out var asset) ? $"{Prefix}/{name}?v={asset.ETag.Tag.ToString().Trim('"')}" : $"{Prefix}/{name}";

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet(Prefix + "/{name}", (string name, UiAssets assets, HttpContext http) =>
        {
            if (!assets._assets.TryGetValue(name, out var asset))
            {
                return Results.NotFound();
            }

            http.Response.Headers.CacheControl = "public, max-age=3600";
            return Results.Bytes(asset.Body, asset.ContentType, entityTag: asset.ETag);
        }).ExcludeFromDescription();
}
