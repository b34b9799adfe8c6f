using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tally.Ledger.Commands;
using Tally.Ledger.Outcomes;

namespace Tally.Ledger;

/// <summary>
/// One unit of work for the ledger: a single command, or a batch that is atomic (all or none) or
/// independent (each on its own). With <c>Idempotency</c>, repeating the request returns the first
/// outcome instead of doing the work again.
/// </summary>
public sealed record LedgerRequest(
    IReadOnlyList<LedgerCommand> Commands,
    BatchMode Mode = BatchMode.Atomic,
    RequestIdempotency? Idempotency = null,
    string Actor = Actors.System)
{
    /// <summary>
    /// Turns the outcome into the exact response the caller will be sent (the HTTP status and
    /// body), inside the write transaction: a response that cannot be rendered rolls the write
    /// back instead of failing after the commit, and with an idempotency key the same bytes are
    /// stored for replays.
    /// </summary>
    [JsonIgnore]
    public Func<RequestOutcome, StoredResponse>? Render { get; init; }

    /// <summary>
    /// Only answer from what the idempotency key stored: a replay when the key was used before,
    /// otherwise an outcome with no results and nothing done (a caller refused for a rate limit
    /// still gets the original answer of a request it is retrying).
    /// </summary>
    [JsonIgnore]
    public bool ReplayOnly { get; init; }

    /// <summary>
    /// Whether a refused request's outcome is stored with its idempotency key (true: a retry gets
    /// the same refusal, as HTTP callers expect). False for effects keyed on a business id (a
    /// payment's grant): a refusal stores nothing, so the key stays free and a retry applies the
    /// effect once its cause is fixed.
    /// </summary>
    [JsonIgnore]
    public bool RememberRefusals { get; init; } = true;

    public static LedgerRequest Of(LedgerCommand command, RequestIdempotency? idempotency = null, string actor = Actors.System) =>
        new([command], BatchMode.Atomic, idempotency, actor);
}

/// <summary>
/// An idempotency key (unique across everything the ledger stores; callers scope it, e.g. by API
/// key and route) with the fingerprint of the request it was first used for.
/// </summary>
public sealed record RequestIdempotency(string Key, byte[] Fingerprint)
{
    public const int MaxKeyLength = 255;

    /// <summary>
    /// Keys that start with this are never forgotten (TALLY_IDEMPOTENCY_RETENTION_HOURS does not
    /// apply): effects keyed on a business id — a payment's grant, a refund's clawback — must stay
    /// applied once however late their provider retries, redelivers or reconciles.
    /// </summary>
    public const string DurablePrefix = "durable:";

    /// <summary>The key as the client sent it, recorded on the entries it made (defaults to <c>Key</c>).</summary>
    public string? ClientKey { get; init; }

    /// <summary>A key whose fingerprint is the SHA-256 of the request's commands and mode.</summary>
    public static RequestIdempotency For(string key, IReadOnlyList<LedgerCommand> commands, BatchMode mode = BatchMode.Atomic) =>
        new(key, OutcomeCodec.Fingerprint(commands, mode));
}

/// <summary>Stable JSON for storing outcomes with idempotency keys and fingerprinting requests.</summary>
public static class OutcomeCodec
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = false,
    };

    public static string Encode(RequestOutcome outcome) => JsonSerializer.Serialize(outcome, Options);

    public static RequestOutcome Decode(string json) =>
        JsonSerializer.Deserialize<RequestOutcome>(json, Options)
        ?? throw new InvalidDataException("stored idempotent outcome is empty");

    public static byte[] Fingerprint(IReadOnlyList<LedgerCommand> commands, BatchMode mode)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new { mode, commands }, Options);
        return SHA256.HashData(json);
    }
}
