using System.Security.Cryptography;
using System.Text;
using Tally.Access;
using Tally.Ledger;
using Tally.Server.Auth;

namespace Tally.Server.Http;

/// <summary>
/// Idempotency-Key for mutations that are not ledger operations (catalogs, API keys, client
/// tokens): the key is claimed before the work, the answer stored after it, a repeat replays the
/// stored answer, a repeat while the first is running gets 409, and a different request with the
/// same key gets 409 idempotency_conflict.
/// </summary>
public sealed class HttpIdempotency(IAccessStore store, TimeProvider time)
{
    /// <summary>Reads a JSON body of <typeparamref name="T"/> (strictly; 4xx when bad), then runs <paramref name="work"/> once per idempotency key.</summary>
    public async Task<BytesResult> RunWithBodyAsync<T>(HttpContext http, Func<JsonBody<T>, Task<BytesResult>> work, bool allowEmpty = false)
    {
        ArgumentNullException.ThrowIfNull(work);
        var (body, problem) = await JsonBodyReader.ReadAsync<T>(http, allowEmpty);
        return problem ?? await RunAsync(http, body!.Raw, () => work(body));
    }

    public async Task<BytesResult> RunAsync(HttpContext http, byte[] body, Func<Task<BytesResult>> work)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(work);
        var (clientKey, problem) = IdempotencyKeys.Read(http);
        if (problem is not null)
        {
            return problem;
        }

        if (clientKey is null)
        {
            return await work();
        }

        var key = IdempotencyKeys.Scoped(http, TallyClaims.CredentialOf(http.User) ?? Actors.System, clientKey);
        var fingerprint = SHA256.HashData(Encoding.UTF8.GetBytes($"{IdempotencyKeys.Route(http)}\n").Concat(body).ToArray());
        var claim = await store.ClaimIdempotencyAsync(key, fingerprint, time.GetUtcNow(), http.RequestAborted);
        switch (claim)
        {
            case IdempotencyClaim.Existing existing when !existing.Fingerprint.AsSpan().SequenceEqual(fingerprint):
                return Problems.Result(http, StatusCodes.Status409Conflict, "idempotency_conflict", $"Idempotency-Key '{clientKey}' was used with a different request");
            case IdempotencyClaim.Existing existing:
                return new BytesResult(existing.Status, existing.Body, existing.Status >= 400 ? Problems.ContentType : "application/json; charset=utf-8", replayed: true);
            case IdempotencyClaim.InFlight:
                return Problems.Result(http, StatusCodes.Status409Conflict, "idempotency_conflict", $"a request with Idempotency-Key '{clientKey}' is still running; retry shortly");
            default:
                break;
        }

        BytesResult result;
        try
        {
            result = await work();
        }
        catch
        {
            await store.AbandonIdempotencyAsync(key, CancellationToken.None);
            throw;
        }

        await store.CompleteIdempotencyAsync(key, result.Status, result.ReplayBody ?? result.Body, CancellationToken.None);
        return result;
    }
}
