using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Engine;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Storage;
using Tally.Ledger.Verification;

namespace Tally.Ledger;

/// <summary>
/// The ledger: every ledger operation over an <see cref="ILedgerStore"/>. Mutations are decided
/// by <see cref="LedgerEngine"/> inside one locked store transaction; reads are consistent
/// unlocked snapshots brought up to the current instant.
/// </summary>
public sealed class CreditLedger : IAsyncDisposable
{
    private readonly ILedgerStore _store;
    private readonly LedgerOptions _options;
    private readonly TimeProvider _time;
    private readonly UnitCache _units;
    private readonly LedgerEngine _engine;
    private readonly GroupCommitter? _committer;

    public CreditLedger(ILedgerStore store, LedgerOptions options, TimeProvider time, ILogger<CreditLedger>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { } invalid)
        {
            throw new ArgumentException($"{invalid.Setting} {invalid.Problem}", nameof(options));
        }

        _store = store;
        _options = options;
        _time = time;
        _units = new UnitCache(store);
        _engine = new LedgerEngine(options, _units);
        if (options.GroupCommit)
        {
            _committer = new GroupCommitter(ExecuteGroupAsync, options.GroupCommitLanes ?? store.WriteConcurrency, options.GroupCommitMaxBatch, logger ?? NullLogger<CreditLedger>.Instance);
        }
    }

    public ILedgerStore Store => _store;

    public LedgerOptions Options => _options;

    public IUnitCatalog Units => _units;

    /// <summary>Now, truncated to microseconds: the precision both stores keep.</summary>
    public DateTimeOffset Now() => TimeMath.ToMicroseconds(_time.GetUtcNow());

    /// <summary>
    /// Runs a request in one transaction. Refusals (insufficient credits, frozen, not found…) are
    /// outcomes; exceptions mean the store failed or a bug tripped an invariant (nothing written).
    /// </summary>
    public async Task<RequestOutcome> ExecuteAsync(LedgerRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Commands.Count == 0 || request.Commands.Count > _options.MaxBatchCommands)
        {
            return new RequestOutcome([new Invalid("operations", $"must hold 1–{_options.MaxBatchCommands} operations")], 0);
        }

        await _units.EnsureAsync(WriteScopes.Units(request), cancellationToken);

        // Single commands share transactions with whatever else is queued (group commit). A
        // multi-command request runs alone: an atomic batch rolls back by snapshot, and keeping
        // that snapshot small keeps the rollback cheap.
        if (_committer is not null && request.Commands.Count == 1)
        {
            return await _committer.SubmitAsync(request, WriteScopes.LaneKey(request), cancellationToken);
        }

        return (await ExecuteGroupAsync([request], cancellationToken))[0];
    }

    /// <summary>
    /// Runs several requests in one store transaction, in order, each with its own outcome (what
    /// group commit does with queued requests; exposed so tests can force a batch's composition).
    /// </summary>
    public Task<IReadOnlyList<RequestOutcome>> ExecuteGroupAsync(IReadOnlyList<LedgerRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var now = Now();
        var scope = WriteScopes.Of(requests) with
        {
            RuleUsageSince = _options.Rules.NeedsUsage ? RuleUsageSince(now) : null,
        };
        return _store.WriteAsync(scope, now, snapshot =>
        {
            // Units the locked rows use that this instance had not seen (created on another one).
            _units.Learn(snapshot.Units);
            return _engine.Run(requests, snapshot);
        }, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_committer is not null)
        {
            await _committer.DisposeAsync();
        }
    }

    /// <summary>Runs one command without idempotency, as the system actor.</summary>
    public async Task<LedgerOutcome> ExecuteAsync(LedgerCommand command, CancellationToken cancellationToken = default) =>
        (await ExecuteAsync(LedgerRequest.Of(command), cancellationToken)).Single;

    /// <summary>The account with every balance, or null when unknown.</summary>
    public async Task<AccountView?> GetAccountAsync(string externalId, CancellationToken cancellationToken = default)
    {
        var read = await ReadAsync(externalId, cancellationToken);
        return read?.View;
    }

    /// <summary>
    /// The account as of now. <c>Settled</c> is false when something expired since the account's
    /// last write (the view already excludes it, but <c>Seq</c> has not moved yet): such a view
    /// must not be answered with 304 Not Modified.
    /// </summary>
    public async Task<AccountRead?> ReadAsync(string externalId, CancellationToken cancellationToken = default)
    {
        var row = await _store.ReadAccountAsync(externalId, cancellationToken);
        if (row is null)
        {
            return null;
        }

        return await ReadAsync(row, cancellationToken);
    }

    /// <summary>The view of an account row read some other way (several at once): as of now, what expired excluded.</summary>
    public async Task<AccountRead> ReadAsync(AccountRow row, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        await _units.EnsureAsync(row.Balances.Keys, cancellationToken);
        var seq = row.Seq;
        var ctx = ReadContext(new LedgerSnapshot(Now()));
        var (lots, holds) = Expiry.Sweep(ctx, row);
        var view = Accounts.View(ctx, row) with { Seq = seq };
        return new AccountRead(view, lots == 0 && holds == 0, row);
    }

    /// <summary>Would this charge succeed now? Advisory only: a later charge decides for real.</summary>
    public async Task<ChargeCheck> CheckChargeAsync(string externalId, Price price, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(price);
        var rules = _options.Rules.AppliesToCharges;
        var row = rules
            ? await _store.ReadAccountAsync(externalId, RuleUsageSince(Now()), cancellationToken)
            : await _store.ReadAccountAsync(externalId, cancellationToken);
        if (row is null)
        {
            return new ChargeCheck(new NotFound("account", externalId), false, Credits.Zero, Credits.Zero, UnitInfo.Default);
        }

        var read = await ReadAsync(row, cancellationToken);

        var snapshot = new LedgerSnapshot(Now());
        if (price.Feature is not null)
        {
            foreach (var feature in await _store.ReadFeaturesAsync(cancellationToken))
            {
                snapshot.Features[feature.Key] = feature;
            }

            await _units.RefreshAsync(cancellationToken);
        }

        await _units.EnsureAsync([price.Unit ?? UnitInfo.DefaultKey], cancellationToken);
        var ctx = ReadContext(snapshot);
        if (Pricing.Resolve(ctx, price, out var priced) is { } invalid)
        {
            return new ChargeCheck(invalid, false, Credits.Zero, Credits.Zero, UnitInfo.Default);
        }

        var account = read.Row;
        var applied = (IReadOnlyList<Rules.AppliedRule>)[];
        var refused = false;
        if (rules)
        {
            // What the charge's rules would make of it now (the charge itself decides for real).
            var outcome = RuleOps.Evaluate(ctx, account, Rules.RuleOperation.Charge, priced!.Unit, priced.Amount, priced.Feature, priced.Quantity);
            (applied, refused, priced) = (outcome.Applied, outcome.Refusal is not null, priced with { Amount = outcome.Amount });
        }

        var available = BalanceMath.SpendableAmount(account, priced!.Unit.Key, priced.Feature, ctx.Now);
        var allowed = !refused && !account.Frozen && available + priced.Unit.FromWhole(account.OverdraftLimit) >= priced.Amount;
        return new ChargeCheck(null, allowed, available, priced.Amount, priced.Unit) { Rules = applied };
    }

    /// <summary>The oldest period start a rule can still be counting at <paramref name="now"/> (Unix seconds).</summary>
    private static long RuleUsageSince(DateTimeOffset now) => (now - Rules.RulePeriods.Longest - TimeSpan.FromDays(1)).ToUnixTimeSeconds();

    /// <summary>A page of history, newest first. Null when the account is unknown.</summary>
    public async Task<EntryPage?> GetEntriesAsync(EntryQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (await _store.ReadAccountAsync(query.Account, cancellationToken) is null)
        {
            return null;
        }

        var limit = Math.Clamp(query.Limit, 1, EntryCursor.MaxLimit);
        var rows = await _store.ReadEntriesAsync(query with { Limit = limit }, cancellationToken);
        await _units.EnsureAsync(rows.Select(r => r.Unit), cancellationToken);
        var page = rows.Take(limit).Select(r => Projections.Entry(r, _units.Find(r.Unit) ?? UnitInfo.Default)).ToList();
        var next = rows.Count > limit ? EntryCursor.Encode(page[^1].Seq) : null;
        return new EntryPage(page, next);
    }

    /// <summary>
    /// What a live stream sends after <paramref name="afterSeq"/>: the account now and its journal
    /// entries after that seq up to the account's seq, oldest first — at most <paramref name="limit"/>
    /// (<c>Complete</c> false when there were more). Null when the account is unknown.
    /// </summary>
    public async Task<AccountChanges?> ReadChangesAsync(string externalId, long afterSeq, int limit, CancellationToken cancellationToken = default)
    {
        var read = await ReadAsync(externalId, cancellationToken);
        if (read is null)
        {
            return null;
        }

        var seq = read.View.Seq;
        if (afterSeq >= seq)
        {
            return new AccountChanges(read.View, [], afterSeq == seq);
        }

        var rows = await _store.ReadEntriesAsync(new EntryQuery(externalId, limit, AfterSeq: afterSeq), cancellationToken);
        await _units.EnsureAsync(rows.Select(r => r.Unit), cancellationToken);
        var entries = rows.Where(r => r.Seq <= seq).Take(limit).Select(r => Projections.Entry(r, _units.Find(r.Unit) ?? UnitInfo.Default)).ToList();
        return new AccountChanges(read.View, entries, rows.Count <= limit);
    }

    /// <summary>The account's holds, optionally of one status. Null when the account is unknown.</summary>
    public async Task<IReadOnlyList<HoldView>?> GetHoldsAsync(string externalId, HoldStatus? status, CancellationToken cancellationToken = default)
    {
        var read = await ReadAsync(externalId, cancellationToken);
        if (read is null)
        {
            return null;
        }

        var now = Now();
        var rows = await _store.ReadHoldsAsync(externalId, null, cancellationToken);
        await _units.EnsureAsync(rows.Select(r => r.Unit), cancellationToken);
        return rows
            .Select(h => Projections.Hold(externalId, WithStatusAt(h, now), _units.Find(h.Unit) ?? UnitInfo.Default))
            .Where(h => status is null || h.Status == status)
            .ToList();
    }

    /// <summary>
    /// The expiry sweeper: writes off every expired lot remainder and releases every hold past
    /// its TTL, then forgets idempotency keys older than the retention. Returns what it did.
    /// </summary>
    public async Task<SweepReport> ExpireAsync(CancellationToken cancellationToken = default)
    {
        const int BatchSize = 100;
        const int MaxRounds = 10_000;
        var report = new SweepReport(0, 0, 0, 0);
        for (var round = 0; round < MaxRounds; round++)
        {
            var due = await _store.FindAccountsToSweepAsync(Now(), BatchSize, cancellationToken);
            if (due.Count == 0)
            {
                break;
            }

            var commands = due.Select(a => (LedgerCommand)new Sweep(a)).ToList();
            var outcome = await ExecuteAsync(new LedgerRequest(commands, BatchMode.Independent), cancellationToken);
            foreach (var result in outcome.Results.OfType<SweepResult>())
            {
                report = report with
                {
                    Accounts = report.Accounts + 1,
                    LotsExpired = report.LotsExpired + result.LotsExpired,
                    HoldsExpired = report.HoldsExpired + result.HoldsExpired,
                };
            }
        }

        var purged = await _store.PurgeIdempotencyAsync(Now() - _options.IdempotencyRetention, cancellationToken);
        return report with { IdempotencyKeysPurged = purged };
    }

    /// <summary>Checks every invariant listed in the README over the whole database.</summary>
    public async Task<VerificationReport> VerifyAsync(CancellationToken cancellationToken = default) =>
        Checks.Evaluate(await _store.ReadVerificationDataAsync(cancellationToken));

    /// <summary>Adds a unit (precision 0–6). False when the key is taken or invalid.</summary>
    public async Task<bool> CreateUnitAsync(UnitInfo unit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(unit);
        if (!FeatureKeys.IsValid(unit.Key) || !UnitInfo.IsValidPrecision(unit.Precision))
        {
            return false;
        }

        var created = await _store.CreateUnitAsync(unit, Now(), cancellationToken);
        await _units.RefreshAsync(cancellationToken);
        return created;
    }

    /// <summary>A unit by key: from the cache, else the store (units created on another instance).</summary>
    public async ValueTask<UnitInfo?> FindUnitAsync(string key, CancellationToken cancellationToken = default)
    {
        if (_units.Find(key) is { } unit)
        {
            return unit;
        }

        await _units.RefreshAsync(cancellationToken);
        return _units.Find(key);
    }

    public async Task<IReadOnlyList<UnitInfo>> GetUnitsAsync(CancellationToken cancellationToken = default)
    {
        await _units.RefreshAsync(cancellationToken);
        return _units.All;
    }

    private CommandContext ReadContext(LedgerSnapshot snapshot) => new(snapshot, _options, _units, Actors.System, null);

    private static HoldRow WithStatusAt(HoldRow hold, DateTimeOffset now)
    {
        if (hold.Status == HoldStatus.Active && hold.ExpiresAt <= now)
        {
            hold.Status = HoldStatus.Expired;
        }

        return hold;
    }
}

/// <summary>An account read: its view, whether it was settled (nothing expired since its last write), the rows.</summary>
public sealed record AccountRead(AccountView View, bool Settled, AccountRow Row);

/// <summary>
/// An account now and its entries after some seq, oldest first. <c>Complete</c> is false when more
/// entries followed than were read, or when the seq asked about is ahead of the account's.
/// </summary>
public sealed record AccountChanges(AccountView View, IReadOnlyList<EntryView> Entries, bool Complete);

/// <summary>The answer to "would this charge succeed?"; <c>Refusal</c> is set when the question itself was invalid.</summary>
public sealed record ChargeCheck(Failure? Refusal, bool Allowed, Credits Available, Credits Required, UnitInfo Unit)
{
    /// <summary>The rules that would change the charge (<see cref="Required"/> is after them).</summary>
    public IReadOnlyList<Rules.AppliedRule> Rules { get; init; } = [];
}

/// <summary>What one sweeper run did.</summary>
public sealed record SweepReport(int Accounts, int LotsExpired, int HoldsExpired, int IdempotencyKeysPurged);

/// <summary>Time at the precision the stores keep.</summary>
public static class TimeMath
{
    public static DateTimeOffset ToMicroseconds(DateTimeOffset t) =>
        new(t.UtcTicks - (t.UtcTicks % 10), TimeSpan.Zero);
}

/// <summary>Opaque history cursors: the seq to continue below, base64url-encoded.</summary>
public static class EntryCursor
{
    public const int MaxLimit = 500;

    public static string Encode(long seq) =>
        Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes($"s:{seq}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryDecode(string? cursor, out long seq)
    {
        seq = 0;
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 40)
        {
            return false;
        }

        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            var text = System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(padded));
            return text.StartsWith("s:", StringComparison.Ordinal)
                && long.TryParse(text.AsSpan(2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out seq)
                && seq > 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
