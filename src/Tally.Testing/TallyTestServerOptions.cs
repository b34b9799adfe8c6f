using Microsoft.Extensions.Time.Testing;

namespace Tally.Testing;

/// <summary>How <see cref="TallyTestServer"/> starts.</summary>
public sealed class TallyTestServerOptions
{
    /// <summary>
    /// Settings as an operator would give them (README, "Configuration"), e.g.
    /// <c>["CREDIT_INITIAL_AMOUNT"] = "0"</c>. The store is always a fresh SQLite database.
    /// </summary>
    public IDictionary<string, string> Settings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// A clock the test moves (<see cref="FakeTimeProvider.Advance"/>) for expiry, holds and
    /// token lifetimes without sleeping; null (the default) runs on the real clock.
    /// </summary>
    public FakeTimeProvider? Clock { get; set; }

    /// <summary>Seed the demo catalog (features image.generate, llm.tokens, video.render; packs starter, pro, studio; two plans).</summary>
    public bool DemoCatalog { get; set; } = true;
}
