using System.Collections.Concurrent;
using Shouldly;
using Tally.TestSupport.Server;

namespace Tally.TestSupport.Faults;

/// <summary>
/// Callers charging one account over HTTP, one credit at a time, each charge with its own
/// <c>reference</c> and <c>Idempotency-Key</c>; a 503 is retried with the same key, as the SDK
/// does. Records every status seen and every acknowledged charge, and checks the journal against
/// them afterwards.
/// </summary>
public sealed class KeyedChargeLoad(string account, string run)
{
    private const int MaxAttempts = 300;

    /// <summary>Acknowledged charges: reference → entry id.</summary>
    public ConcurrentDictionary<string, string> Acknowledged { get; } = new(StringComparer.Ordinal);

    /// <summary>How often each status was answered.</summary>
    public ConcurrentDictionary<int, int> Statuses { get; } = new();

    /// <summary>
    /// Charges as <paramref name="caller"/> until <paramref name="enough"/> says stop (checked between
    /// charges). With <paramref name="stopOnConnectionError"/>, a connection error ends the caller (the server is gone).
    /// </summary>
    public async Task ChargeAsync(HttpClient client, int caller, Func<bool> enough, bool stopOnConnectionError = false)
    {
        for (var i = 0; !enough(); i++)
        {
            var reference = $"{run}-{caller}-{i}";
            for (var attempt = 1; ; attempt++)
            {
                Answer answer;
                try
                {
                    answer = await client.SendAsync(HttpMethod.Post, $"/v1/accounts/{account}/charges", new { amount = 1, reference }, idempotencyKey: reference);
                }
                catch (HttpRequestException) when (stopOnConnectionError)
                {
                    return;
                }

                Statuses.AddOrUpdate(answer.Code, 1, (_, n) => n + 1);
                if (answer.Code == 201)
                {
                    Acknowledged[reference] = answer.Node("entry.id").GetValue<string>();
                    break;
                }

                answer.Code.ShouldBe(503, answer.Text);
                attempt.ShouldBeLessThan(MaxAttempts, $"charge {reference} never got through: {answer.Text}");
            }
        }
    }

    /// <summary>
    /// Every acknowledged charge is in the account's journal exactly once, under the entry id it
    /// was answered with; with <paramref name="exact"/>, nothing else is (every charge ended acknowledged).
    /// </summary>
    public async Task ShouldMatchJournalAsync(HttpClient client, bool exact)
    {
        var journal = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var page = (await client.FetchAsync($"/v1/accounts/{account}/entries?type=charge&limit=500" + (cursor is null ? "" : $"&cursor={cursor}"))).Is(200);
            foreach (var entry in page.Json["data"]!.AsArray())
            {
                var reference = entry!["reference"]?.GetValue<string>() ?? "";
                if (reference.StartsWith(run, StringComparison.Ordinal))
                {
                    journal.TryAdd(reference, []);
                    journal[reference].Add(entry["id"]!.GetValue<string>());
                }
            }

            cursor = page.Json["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);

        foreach (var (reference, entry) in Acknowledged)
        {
            journal.GetValueOrDefault(reference).ShouldBe([entry], $"acknowledged charge {reference}");
        }

        journal.Values.ShouldAllBe(ids => ids.Count == 1, "a charge is in the journal twice");
        if (exact)
        {
            journal.Keys.Order(StringComparer.Ordinal).ShouldBe(Acknowledged.Keys.Order(StringComparer.Ordinal));
        }
    }
}
