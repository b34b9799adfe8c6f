using Shouldly;
using Tally.Access;
using Xunit;

namespace Tally.TestSupport.Conformance;

/// <summary>Admin users and portal links (docs/ui.md): one use per link and exact failure counts under concurrency.</summary>
public abstract partial class LedgerStoreConformance<TFixture>
{
    private IWebAccessStore Web => (IWebAccessStore)Fixture.Store;

    [Fact]
    public async Task A_portal_link_used_by_32_requests_at_once_opens_for_exactly_one()
    {
        var now = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
        var hash = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        await Web.CreatePortalLinkAsync(new PortalLink(hash, "acct-" + Guid.NewGuid().ToString("N")[..8], "https://app.example.com/", now, now.AddMinutes(5), null), CancellationToken.None);

        var uses = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => Web.UsePortalLinkAsync(hash, now.AddSeconds(1), CancellationToken.None))));

        uses.Count(u => u is not null).ShouldBe(1);
        var used = uses.Single(u => u is not null)!;
        used.ReturnUrl.ShouldBe("https://app.example.com/");
        (await Web.FindPortalLinkAsync(hash, CancellationToken.None))!.UsedAt.ShouldBe(now.AddSeconds(1));
    }

    [Fact]
    public async Task A_portal_link_past_its_expiry_does_not_open_and_stays_unused()
    {
        var now = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
        var hash = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        await Web.CreatePortalLinkAsync(new PortalLink(hash, "acct-x", null, now, now.AddMinutes(5), null), CancellationToken.None);

        (await Web.UsePortalLinkAsync(hash, now.AddMinutes(5), CancellationToken.None)).ShouldBeNull();
        (await Web.FindPortalLinkAsync(hash, CancellationToken.None))!.UsedAt.ShouldBeNull();
        (await Web.UsePortalLinkAsync(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), now, CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task Concurrent_failed_logins_all_count_and_the_fifth_locks()
    {
        var email = $"Admin-{Guid.NewGuid():N}@Example.com";
        var now = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);
        (await Web.CreateAdminAsync(new AdminUser(email, "hash", 0, null, now, null), CancellationToken.None)).ShouldBeTrue();
        (await Web.CreateAdminAsync(new AdminUser(email.ToUpperInvariant(), "other", 0, null, now, null), CancellationToken.None)).ShouldBeFalse();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Web.RecordLoginFailureAsync(email, 5, now.AddMinutes(15), CancellationToken.None))));
        var four = (await Web.FindAdminAsync(email, CancellationToken.None))!;
        four.FailedLogins.ShouldBe(4);
        four.LockedUntil.ShouldBeNull();
        four.PasswordHash.ShouldBe("hash");

        await Web.RecordLoginFailureAsync(email, 5, now.AddMinutes(15), CancellationToken.None);
        (await Web.FindAdminAsync(email, CancellationToken.None))!.LockedUntil.ShouldBe(now.AddMinutes(15));

        await Web.RecordLoginAsync(email, now.AddMinutes(20), CancellationToken.None);
        var reset = (await Web.FindAdminAsync(email.ToLowerInvariant(), CancellationToken.None))!;
        (reset.FailedLogins, reset.LockedUntil, reset.LastLoginAt).ShouldBe((0, (DateTimeOffset?)null, (DateTimeOffset?)now.AddMinutes(20)));
    }
}
