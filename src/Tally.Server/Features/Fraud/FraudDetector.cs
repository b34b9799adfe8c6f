using System.Collections.Concurrent;
using System.Text.Json;
using System.Text;
using Tally.Ledger.Amounts;
using Tally.Ledger.Commands;
using Tally.Ledger.Fraud;
using Tally.Ledger.Model;
using Tally.Ledger.Outcomes;
using Tally.Ledger.Storage;
using Tally.Ledger;
using Tally.Server.Features.Events;
using Tally.Server.Features.Webhooks;

namespace Tally.Server.Features.Fraud;

/// <summary>
/// Flags suspicious accounts off the charge path (docs/fraud.md). The store's change feed tells it
/// which accounts changed (the commit only hands over the list it already made for the feed); at
/// most once per <see cref="FraudSettings.ScanGap"/> it reads what those accounts consumed since
/// it last looked (<see cref="VelocityWindow"/>: per-minute sums kept in memory, one query per 500
/// accounts, each entry read once), and flags those above the threshold after an exact sum.
/// Every <see cref="FraudSettings.PaymentScanInterval"/> (on the injected clock) it counts failed
/// payments, refunds and disputes. A flag, once cleared, only counts evidence after its clearing.
/// Raising is idempotent across instances (at most one open flag per account and kind, enforced
/// by the database); with auto-freeze the account is frozen through the ledger (journaled,
/// actor <c>system:fraud</c>).
/// </summary>
public sealed partial class FraudDetector(IFraudStore store, ILedgerStore ledgerStore, CreditLedger ledger, FraudSettings settings, TimeProvider time, ILogger<FraudDetector> logger)
    : BackgroundService, IChangeListener
{
    private const int AccountsPerQuery = 500;
    private const int PaymentSignalsPerScan = 10_000;

    /// <summary>Change lists waiting; past this many the detector is far behind and drops wake-ups (logged).</summary>
    private const int MaxQueued = 100_000;

    private readonly ConcurrentQueue<IReadOnlyList<AccountChange>> _changes = new();
    private readonly WebhookSignal _changed = new();
    private int _queued;
    private long _passes;
    private long _accountsChecked;

    /// <summary>Passes over changed accounts that found some (for the benchmark and operators).</summary>
    public long Passes => Interlocked.Read(ref _passes);

    /// <summary>Accounts whose window was summed, over all passes.</summary>
    public long AccountsChecked => Interlocked.Read(ref _accountsChecked);
    private DateTimeOffset _paymentsDue = DateTimeOffset.MinValue;
    private readonly Dictionary<string, VelocityWindow> _windows = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DateTimeOffset _windowsSweepDue = DateTimeOffset.MinValue;

    /// <summary>Accounts whose window the detector holds in memory.</summary>
    public int WindowsHeld => _windows.Count;

    void IChangeListener.Changed(IReadOnlyList<AccountChange> changes)
    {
        // On the commit's own thread (SQLite): one enqueue, nothing else.
        if (Interlocked.Increment(ref _queued) > MaxQueued)
        {
            Interlocked.Decrement(ref _queued);
            return;
        }

        _changes.Enqueue(changes);
        _changed.Wake();
    }

    void IChangeListener.Resync() => _changed.Wake();

    /// <summary>One pass over the accounts that changed since the last; returns the flags raised.</summary>
    public async Task<int> ScanChangedAsync(CancellationToken ct)
    {
        var accounts = new HashSet<string>(StringComparer.Ordinal);
        while (_changes.TryDequeue(out var changes))
        {
            Interlocked.Decrement(ref _queued);
            foreach (var change in changes)
            {
                accounts.Add(change.Account);
            }
        }

        if (accounts.Count == 0)
        {
            return 0;
        }

        Interlocked.Increment(ref _passes);
        Interlocked.Add(ref _accountsChecked, accounts.Count);
        return await CheckVelocityAsync(accounts, ct);
    }

    /// <summary>
    /// Brings the accounts' windows up to date from the journal — only what they consumed since the
    /// last look (their seq watermark), in per-minute sums — and flags those whose window is above
    /// the threshold, confirmed by an exact sum; returns the flags raised.
    /// </summary>
    public async Task<int> CheckVelocityAsync(IReadOnlyCollection<string> accounts, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var now = time.GetUtcNow();
        var since = now - settings.Window;
        var raised = 0;
        await _gate.WaitAsync(ct);
        try
        {
            foreach (var chunk in accounts.Chunk(AccountsPerQuery))
            {
                var marks = chunk.Select(a => (a, _windows.GetValueOrDefault(a)?.Seq ?? 0)).ToList();
                var rows = await store.ReadConsumptionAfterAsync(marks, since, ct);
                foreach (var (account, unit, minor) in VelocityWindow.Apply(_windows, rows, chunk, since))
                {
                    var info = await ledger.FindUnitAsync(unit, ct) ?? new UnitInfo(unit, 0);
                    if (minor > info.FromWhole(settings.Threshold).Minor && await ConfirmAsync(account, unit, info, since, now, ct))
                    {
                        raised++;
                    }
                }
            }

            if (now >= _windowsSweepDue)
            {
                VelocityWindow.Sweep(_windows, since);
                _windowsSweepDue = now + TimeSpan.FromMinutes(1);
            }
        }
        finally
        {
            _gate.Release();
        }

        return raised;
    }

    /// <summary>The per-minute sums overstate the window by up to a minute at its start: an exact sum decides.</summary>
    private async Task<bool> ConfirmAsync(string account, string unit, UnitInfo info, DateTimeOffset since, DateTimeOffset now, CancellationToken ct)
    {
        var exact = (await store.SumConsumptionAsync([account], since, ct)).Where(t => t.Unit == unit).Select(t => (ConsumptionTotal?)t).FirstOrDefault();
        return exact is { } total && total.Minor > info.FromWhole(settings.Threshold).Minor && await FlagVelocityAsync(total, info, since, now, ct);
    }

    private async Task<bool> FlagVelocityAsync(ConsumptionTotal total, UnitInfo unit, DateTimeOffset since, DateTimeOffset now, CancellationToken ct)
    {
        var latest = await store.LatestFlagAsync(total.Account, FraudKind.Velocity, ct);
        if (latest is { Status: FraudFlagStatus.Open })
        {
            return false;
        }

        if (latest?.ClearedAt is { } cleared && cleared > since)
        {
            // Cleared within the window: only what came after the clearing counts.
            since = cleared;
            if ((await store.SumConsumptionAsync([total.Account], since, ct)).Where(t => t.Unit == total.Unit).Select(t => (ConsumptionTotal?)t).FirstOrDefault() is not { } after
                || after.Minor <= unit.FromWhole(settings.Threshold).Minor)
            {
                return false;
            }

            total = after;
        }

        var entries = await store.ListConsumptionAsync(total.Account, total.Unit, since, FraudSettings.EvidenceIds, ct);
        var evidence = Evidence(w =>
        {
            w.WriteString("unit", unit.Key);
            w.WriteNumber("consumed", unit.ToDecimal(new Credits(total.Minor)));
            w.WriteNumber("threshold", settings.Threshold);
            w.WriteNumber("entries", total.Entries);
            w.WriteNumber("windowMs", (long)settings.Window.TotalMilliseconds);
            w.WriteString("from", since);
            w.WriteString("to", now);
            w.WriteStartArray("entryIds");
            foreach (var id in entries)
            {
                w.WriteStringValue(LedgerIds.EntryPrefix + id.ToString("N"));
            }

            w.WriteEndArray();
        });
        return await RaiseAsync(total.Account, FraudKind.Velocity, evidence, now, ct);
    }

    /// <summary>Counts failed payments, refunds and disputes and flags the accounts that reach their limits; returns the flags raised.</summary>
    public async Task<int> ScanPaymentsAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var signals = await store.ListPaymentSignalsAsync(now - FraudSettings.RefundsWindow, PaymentSignalsPerScan, ct);
        var raised = 0;
        foreach (var group in signals.GroupBy(s => (s.Account, s.Kind)))
        {
            var (window, limit) = Limits(group.Key.Kind);
            var recent = group.Where(s => s.At > now - window).ToList();
            if (recent.Count < limit)
            {
                continue;
            }

            var latest = await store.LatestFlagAsync(group.Key.Account, group.Key.Kind, ct);
            if (latest is { Status: FraudFlagStatus.Open })
            {
                continue;
            }

            if (latest?.ClearedAt is { } cleared)
            {
                recent = recent.Where(s => s.At > cleared).ToList();
                if (recent.Count < limit)
                {
                    continue;
                }
            }

            var evidence = Evidence(w =>
            {
                w.WriteNumber("count", recent.Count);
                w.WriteNumber("threshold", limit);
                w.WriteNumber("windowHours", (long)window.TotalHours);
                w.WriteStartArray("payments");
                foreach (var signal in recent.Take(FraudSettings.EvidenceIds)) // newest first
                {
                    w.WriteStartObject();
                    w.WriteString("payment", signal.PaymentId);
                    if (signal.Effect is { } effect)
                    {
                        w.WriteString("effect", effect);
                    }

                    w.WriteString("at", signal.At);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            });
            if (await RaiseAsync(group.Key.Account, group.Key.Kind, evidence, now, ct))
            {
                raised++;
            }
        }

        return raised;
    }

    private (TimeSpan Window, int Limit) Limits(FraudKind kind) => kind switch
    {
        FraudKind.FailedPayments => (FraudSettings.FailedPaymentsWindow, settings.FailedPayments),
        FraudKind.Refunds => (FraudSettings.RefundsWindow, settings.Refunds),
        _ => (FraudSettings.DisputesWindow, 1),
    };

    private async Task<bool> RaiseAsync(string account, FraudKind kind, string evidence, DateTimeOffset now, CancellationToken ct)
    {
        var flag = new FraudFlag(FraudFlag.NewId(now), account, kind, evidence, FraudFlagStatus.Open, now, null, null, null);
        if (!await store.RaiseFlagAsync(flag, ct))
        {
            return false; // another instance raised it first
        }

        Flagged(logger, account, FraudFlag.Name(kind), flag.Id);
        if (settings.AutoFreeze)
        {
            LedgerCommand[] freeze = [new SetFrozen(account, true, $"fraud flag {flag.Id} ({FraudFlag.Name(kind)})")];
            var request = new LedgerRequest(freeze, BatchMode.Atomic, RequestIdempotency.For(RequestIdempotency.DurablePrefix + "fraud-freeze:" + flag.Id, freeze), FraudSettings.Actor)
            {
                RememberRefusals = false,
            };
            var outcome = await ledger.ExecuteAsync(request, ct);
            if (outcome.Results.FirstOrDefault(r => r is Failure) is { } refused)
            {
                FreezeRefused(logger, account, flag.Id, refused.ToString() ?? "");
            }
        }

        return true;
    }

    private static string Evidence(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!settings.Enabled)
        {
            return;
        }

        var feed = ListenAsync(stoppingToken);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ScanChangedAsync(stoppingToken);
                if (time.GetUtcNow() >= _paymentsDue)
                {
                    await ScanPaymentsAsync(stoppingToken);
                    _paymentsDue = time.GetUtcNow() + settings.PaymentScanInterval;
                }

                failures = 0;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // Advisory: the next pass looks again (changes already taken are looked at again when they change again).
                ScanFailed(logger, e);
                failures = Math.Min(failures + 1, 6);
            }

            // At most one pass per gap however often commits wake it; polls so the clock's payment pass comes.
            await Task.Delay(settings.ScanGap * (1 << failures), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await _changed.WaitAsync(settings.ScanGap, stoppingToken);
        }

        await feed;
    }

    // Wake-ups are an optimisation: polling carries on without them.
    private Task ListenAsync(CancellationToken stoppingToken) =>
        ledgerStore.ListenUntilStoppedAsync(this, e => FeedFailed(logger, e), stoppingToken);

    [LoggerMessage(EventId = 8001, Level = LogLevel.Warning, Message = "Account {Account} flagged for {Kind} ({Flag})")]
    private static partial void Flagged(ILogger logger, string account, string kind, string flag);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Error, Message = "Could not freeze account {Account} for fraud flag {Flag}: {Refusal}")]
    private static partial void FreezeRefused(ILogger logger, string account, string flag, string refusal);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Warning, Message = "The fraud detector failed; it looks again on its next pass")]
    private static partial void ScanFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 8004, Level = LogLevel.Warning, Message = "The fraud detector lost the change feed; only its payment pass runs")]
    private static partial void FeedFailed(ILogger logger, Exception exception);
}
