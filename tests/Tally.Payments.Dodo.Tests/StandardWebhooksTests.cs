using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Tally.Payments.Dodo.Webhooks;
using Xunit;

namespace Tally.Payments.Dodo.Tests;

public sealed class StandardWebhooksTests
{
    public sealed record Vector(string Secret, string Id, long Timestamp, string Body, string Signature);

    public static IReadOnlyList<Vector> Vectors { get; } = LoadVectors();

    public static TheoryData<int> VectorIndexes()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Vectors.Count; i++)
            data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(VectorIndexes))]
    public void Every_vector_from_the_official_library_is_accepted(int index)
    {
        var v = Vectors[index];
        Verifier(v).Verify(v.Id, Ts(v), v.Signature, Bytes(v.Body)).IsValid.ShouldBeTrue();
    }

    [Theory]
    [MemberData(nameof(VectorIndexes))]
    public void Signing_a_vector_reproduces_its_signature(int index)
    {
        var v = Vectors[index];
        Verifier(v).Sign(v.Id, v.Timestamp, Bytes(v.Body)).ShouldBe(v.Signature);
    }

    [Theory]
    [MemberData(nameof(VectorIndexes))]
    public void Every_one_byte_change_of_the_body_is_rejected(int index)
    {
        var v = Vectors[index];
        var verifier = Verifier(v);
        var body = Bytes(v.Body);
        for (var i = 0; i < body.Length; i++)
        {
            var changed = (byte[])body.Clone();
            changed[i] ^= 0x01;
            verifier.Verify(v.Id, Ts(v), v.Signature, changed).IsValid.ShouldBeFalse($"body byte {i}");
        }
    }

    [Theory]
    [MemberData(nameof(VectorIndexes))]
    public void Every_one_character_change_of_the_id_is_rejected(int index)
    {
        var v = Vectors[index];
        var verifier = Verifier(v);
        foreach (var id in OneCharacterChanges(v.Id))
            verifier.Verify(id, Ts(v), v.Signature, Bytes(v.Body)).IsValid.ShouldBeFalse(id);
    }

    [Theory]
    [MemberData(nameof(VectorIndexes))]
    public void Every_one_character_change_of_the_timestamp_is_rejected(int index)
    {
        var v = Vectors[index];
        var verifier = Verifier(v);
        foreach (var timestamp in OneCharacterChanges(Ts(v)))
            verifier.Verify(v.Id, timestamp, v.Signature, Bytes(v.Body)).IsValid.ShouldBeFalse(timestamp);
    }

    [Theory]
    [MemberData(nameof(VectorIndexes))]
    public void Every_one_character_change_of_the_signature_is_rejected(int index)
    {
        var v = Vectors[index];
        var verifier = Verifier(v);
        foreach (var signature in OneCharacterChanges(v.Signature))
            verifier.Verify(v.Id, Ts(v), signature, Bytes(v.Body)).IsValid.ShouldBeFalse(signature);
    }

    [Fact]
    public void A_header_with_several_signatures_is_accepted_when_one_matches()
    {
        var v = Vectors[0];
        var other = Vectors[1].Signature;
        var header = $"v2,{v.Signature[3..]} {other} {v.Signature} v1,AAAA";
        Verifier(v).Verify(v.Id, Ts(v), header, Bytes(v.Body)).IsValid.ShouldBeTrue();
    }

    [Fact]
    public void A_matching_signature_under_another_version_is_ignored()
    {
        var v = Vectors[0];
        var verification = Verifier(v).Verify(v.Id, Ts(v), "v2," + v.Signature[3..], Bytes(v.Body));
        verification.Refusal.ShouldBe("no v1 signature");
    }

    [Theory]
    [InlineData(-301, false)]
    [InlineData(-300, true)]
    [InlineData(300, true)]
    [InlineData(301, false)]
    public void Timestamps_more_than_five_minutes_from_now_are_rejected(int nowMinusTimestampSeconds, bool accepted)
    {
        var v = Vectors[0];
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(v.Timestamp + nowMinusTimestampSeconds));
        var verification = new StandardWebhooks(v.Secret, clock).Verify(v.Id, Ts(v), v.Signature, Bytes(v.Body));
        verification.IsValid.ShouldBe(accepted);
    }

    [Fact]
    public void A_stale_timestamp_is_refused_as_too_old_and_a_future_one_as_future()
    {
        var v = Vectors[0];
        var late = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(v.Timestamp + 3600));
        new StandardWebhooks(v.Secret, late).Verify(v.Id, Ts(v), v.Signature, Bytes(v.Body)).Refusal.ShouldBe("webhook-timestamp too old");
        var early = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(v.Timestamp - 3600));
        new StandardWebhooks(v.Secret, early).Verify(v.Id, Ts(v), v.Signature, Bytes(v.Body)).Refusal.ShouldBe("webhook-timestamp in the future");
    }

    [Fact]
    public void Another_secret_is_rejected()
    {
        var v = Vectors[0];
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(v.Timestamp));
        new StandardWebhooks(Vectors[1].Secret, clock).Verify(v.Id, Ts(v), v.Signature, Bytes(v.Body)).IsValid.ShouldBeFalse();
    }

    [Fact]
    public void The_secret_is_accepted_without_its_whsec_prefix()
    {
        var v = Vectors[0];
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(v.Timestamp));
        new StandardWebhooks(v.Secret["whsec_".Length..], clock).Verify(v.Id, Ts(v), v.Signature, Bytes(v.Body)).IsValid.ShouldBeTrue();
    }

    [Fact]
    public void A_truncated_body_is_rejected()
    {
        var v = Vectors[0];
        var body = Bytes(v.Body);
        var verifier = Verifier(v);
        for (var length = 0; length < body.Length; length++)
            verifier.Verify(v.Id, Ts(v), v.Signature, body.AsSpan(0, length)).IsValid.ShouldBeFalse($"length {length}");
    }

    [Theory]
    [InlineData(null, "1795521600", "v1,x", "missing webhook-id header")]
    [InlineData("msg_1", null, "v1,x", "missing webhook-timestamp header")]
    [InlineData("msg_1", "1795521600", null, "missing webhook-signature header")]
    [InlineData("msg_1", "17955x1600", "v1,x", "malformed webhook-timestamp header")]
    [InlineData("msg_1", "-1795521600", "v1,x", "malformed webhook-timestamp header")]
    [InlineData("msg_1", " 1795521600", "v1,x", "malformed webhook-timestamp header")]
    [InlineData("msg_1", "1795521600", "garbage", "no v1 signature")]
    [InlineData("msg_1", "1795521600", "v1,", "no matching signature")]
    public void Missing_or_malformed_headers_are_refused_with_a_reason(string? id, string? timestamp, string? signature, string reason)
    {
        var v = Vectors[0];
        Verifier(v).Verify(id, timestamp, signature, Bytes(v.Body)).Refusal.ShouldBe(reason);
    }

    [Fact]
    public void Headers_are_found_whatever_their_case()
    {
        var v = Vectors[0];
        var headers = new Dictionary<string, string>
        {
            ["Webhook-Id"] = v.Id,
            ["WEBHOOK-TIMESTAMP"] = Ts(v),
            ["webhook-signature"] = v.Signature,
        };
        Verifier(v).Verify(headers, Bytes(v.Body)).IsValid.ShouldBeTrue();
    }

    [Fact]
    public void Signed_headers_made_now_verify()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-05-01T10:00:00Z"));
        var webhooks = new StandardWebhooks(StandardWebhooks.NewSecret(), clock);
        var body = "{\"a\":1}"u8.ToArray();
        var headers = webhooks.SignedHeaders("msg_x", body).ToDictionary(h => h.Key, h => h.Value);
        headers[StandardWebhooks.TimestampHeader].ShouldBe(clock.GetUtcNow().ToUnixTimeSeconds().ToString());
        webhooks.Verify(headers, body).IsValid.ShouldBeTrue();
    }

    [Theory]
    [InlineData("")]
    [InlineData("whsec_")]
    [InlineData("whsec_not base64!")]
    public void An_unusable_secret_is_refused_at_construction(string secret) =>
        Should.Throw<ArgumentException>(() => new StandardWebhooks(secret, TimeProvider.System));

    private static StandardWebhooks Verifier(Vector v) =>
        new(v.Secret, new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(v.Timestamp)));

    private static string Ts(Vector v) => v.Timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    // Each position changed to a different character that keeps the text ASCII-printable.
    private static IEnumerable<string> OneCharacterChanges(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var replacement = c == '~' ? '}' : (char)(c + 1);
            yield return string.Concat(text.AsSpan(0, i), replacement.ToString(), text.AsSpan(i + 1));
        }
    }

    private static List<Vector> LoadVectors()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Vectors", "standard-webhooks-vectors.json");
        using var json = JsonDocument.Parse(File.ReadAllBytes(path));
        return json.RootElement.EnumerateArray().Select(e => new Vector(
            e.GetProperty("secret").GetString()!,
            e.GetProperty("id").GetString()!,
            e.GetProperty("timestamp").GetInt64(),
            e.GetProperty("body").GetString()!,
            e.GetProperty("signature").GetString()!)).ToList();
    }
}
