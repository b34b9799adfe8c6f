using Microsoft.Extensions.Options;
using Tally.Server.Hosting;

namespace Tally.Server.Ui;

/// <summary>Where the UI is reached from outside: TALLY_PUBLIC_URL when set, else the request's own scheme, host and path base.</summary>
public static class UiBase
{
    public static string Of(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.RequestServices.GetRequiredService<IOptions<TallyOptions>>().Value.PublicUrl is { } configured
            ? configured.TrimEnd('/')
            : $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}";
    }
}
