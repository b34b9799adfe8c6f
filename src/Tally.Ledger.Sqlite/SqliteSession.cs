using Microsoft.Data.Sqlite;
using SQLitePCL;
using Tally.Ledger.Amounts;
using Tally.Ledger.Model;
using Tally.Ledger.Relational;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Sqlite;

/// <summary>
/// One connection with its prepared statements: loads snapshots and writes their changes. The
/// store keeps one for writing (guarded, so in-process writers queue instead of spinning on
/// SQLITE_BUSY) and opens short-lived ones for reads.
/// </summary>
internal sealed class SqliteSession : IDisposable
{
    private readonly Dictionary<string, Statement> _statements = new(StringComparer.Ordinal);

    public SqliteSession(SqliteConnection connection)
    {
        Connection = connection;
    }

    public SqliteConnection Connection { get; }

    private SqliteTransaction? _transaction;

    /// <summary>The open transaction statements of this session run in, if any (a finished one has no connection).</summary>
    public SqliteTransaction? Transaction => _transaction?.Connection is null ? null : _transaction;

    /// <summary>Starts a transaction: IMMEDIATE (take the write lock now) for writes, DEFERRED for reads.</summary>
    public SqliteTransaction Begin(bool write)
    {
        _transaction = Connection.BeginTransaction(deferred: !write);
        return _transaction;
    }

    public Statement this[string sql]
    {
        get
        {
            if (!_statements.TryGetValue(sql, out var statement))
            {
                statement = new Statement(Connection, sql, () => Transaction);
                _statements[sql] = statement;
            }

            return statement;
        }
    }

    /// <summary>Loads everything a write transaction over <paramref name="scope"/> needs.</summary>
    public LedgerSnapshot Load(WriteScope scope, DateTimeOffset now)
    {
        var snapshot = new LedgerSnapshot(now);
        foreach (var externalId in scope.Accounts)
        {
            var account = ReadAccount(Sql.AccountByExternalId, externalId);
            if (account is not null)
            {
                snapshot.Add(account);
            }
        }

        if (scope.RuleUsageSince is { } since)
        {
            foreach (var account in snapshot.Accounts.Values)
            {
                LoadRuleUsage(account, since);
            }
        }

        foreach (var holdId in scope.Holds)
        {
            Guid? accountId;
            using (var reader = this[Sql.HoldAccount].Query(holdId))
            {
                accountId = reader.Read() ? reader.GetGuid(0) : null;
            }

            if (accountId is { } id && AccountById(snapshot, id) is { } account && account.Holds.TrueForAll(h => h.Id != holdId))
            {
                account.Holds.Add(ReadHolds(Sql.HoldById, holdId).Single());
            }
        }

        foreach (var entryId in scope.Entries)
        {
            LoadReversible(snapshot, entryId);
        }

        foreach (var key in scope.Features)
        {
            LoadFeature(snapshot, key);
        }

        foreach (var key in scope.IdempotencyKeys)
        {
            using var reader = this[Sql.Idempotency].Query(key);
            if (reader.Read())
            {
                snapshot.Idempotency[key] = RowReaders.Idempotency(reader, SqliteTime.Read);
            }
        }

        return snapshot;
    }

    /// <summary>An account with its balances, live lots and active holds (and their pins).</summary>
    /// <summary>The account's rule usage rows: markers, and periods starting at or after <paramref name="since"/>.</summary>
    public void LoadRuleUsage(AccountRow account, long since)
    {
        using var reader = this[Sql.RuleUsage].Query(account.Id, since);
        while (reader.Read())
        {
            var usage = RowReaders.RuleUsage(reader);
            account.RuleUsage[(usage.Key, usage.Period)] = usage;
        }
    }

    public AccountRow? ReadAccount(string sql, object key)
    {
        AccountRow? account;
        using (var reader = this[sql].Query(key))
        {
            account = reader.Read() ? RowReaders.Account(reader, SqliteTime.Read) : null;
        }

        if (account is null)
        {
            return null;
        }

        using (var reader = this[Sql.Balances].Query(account.Id))
        {
            while (reader.Read())
            {
                var balance = RowReaders.Balance(reader);
                account.Balances[balance.Unit] = balance;
            }
        }

        using (var reader = this[Sql.Lots].Query(account.Id))
        {
            while (reader.Read())
            {
                account.Lots.Add(RowReaders.Lot(reader, SqliteTime.Read));
            }
        }

        account.Holds.AddRange(ReadHolds(Sql.ActiveHolds, account.Id));
        return account;
    }

    public List<HoldRow> ReadHolds(string sql, object key)
    {
        var holds = new List<HoldRow>();
        using (var reader = this[sql].Query(key))
        {
            while (reader.Read())
            {
                holds.Add(RowReaders.Hold(reader, SqliteTime.Read));
            }
        }

        foreach (var hold in holds)
        {
            using var reader = this[Sql.Pins].Query(hold.Id);
            while (reader.Read())
            {
                hold.Pins.Add(RowReaders.Pin(reader));
            }
        }

        return holds;
    }

    private AccountRow? AccountById(LedgerSnapshot snapshot, Guid id)
    {
        if (snapshot.FindAccount(id) is { } known)
        {
            return known;
        }

        var account = ReadAccount(Sql.AccountById, id);
        if (account is not null)
        {
            snapshot.Add(account);
        }

        return account;
    }

    private void LoadReversible(LedgerSnapshot snapshot, Guid entryId)
    {
        EntryRow? entry;
        using (var reader = this[Sql.EntryById].Query(entryId))
        {
            entry = reader.Read() ? RowReaders.Entry(reader, SqliteTime.Read) : null;
        }

        if (entry is null || AccountById(snapshot, entry.AccountId) is null)
        {
            return;
        }

        var reversed = (long)this[Sql.ReversedSum].Scalar(entryId)!;
        var reversible = new ReversibleEntry { Entry = entry, ReversedSoFar = new Credits(reversed) };
        using (var reader = this[Sql.PaidBy].Query(entryId))
        {
            while (reader.Read())
            {
                reversible.PaidBy.Add(RowReaders.PaidBy(reader, SqliteTime.Read));
            }
        }

        snapshot.Entries[entryId] = reversible;
    }

    private void LoadFeature(LedgerSnapshot snapshot, string key)
    {
        using (var reader = this[Sql.Feature].Query(key))
        {
            if (!reader.Read())
            {
                return;
            }

            snapshot.Features[key] = RowReaders.Feature(reader);
        }

        using (var reader = this[Sql.Unit].Query(snapshot.Features[key].Unit))
        {
            if (reader.Read())
            {
                snapshot.Units.Add(new UnitInfo(reader.GetString(0), reader.GetInt32(1)));
            }
        }
    }

    /// <summary>Whether a transaction is open on the connection (SQLite ends some on a failed COMMIT by itself).</summary>
    public bool InTransaction => Connection.Handle is { } db && raw.sqlite3_get_autocommit(db) == 0;

    /// <summary>Writes every new or changed row of <paramref name="snapshot"/>.</summary>
    public void Write(LedgerSnapshot snapshot)
    {
        foreach (var account in snapshot.Accounts.Values)
        {
            WriteAccount(account);
        }

        foreach (var row in snapshot.NewIdempotency)
        {
            this[Sql.InsertIdempotency].Apply(row.Key, row.Fingerprint, row.OutcomeJson, row.ResponseStatus, row.ResponseBody, SqliteTime.ToMicros(row.CreatedAt));
        }

        // One outbox row per transaction that did something outbound webhooks report (docs/webhooks.md).
        if (Webhooks.OutboxFacts.Of(snapshot) is { } facts)
        {
            this[SqliteLedgerStore.InsertOutbox].Apply(
                SqliteLedgerStore.JoinIds(facts.Entries), string.Join(',', facts.FrozenAccounts),
                string.Join(',', facts.FrozenSeqs.Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture))),
                SqliteLedgerStore.JoinIds(facts.ExpiredHolds), string.Join(',', facts.ExpiredHoldAccounts), SqliteTime.ToMicros(snapshot.Now));
        }
    }

    private void WriteAccount(AccountRow a)
    {
        if (a.IsNew)
        {
            this[Sql.InsertAccount].Apply(a.Id, a.ExternalId, a.Tier, a.Frozen, a.OverdraftLimit, a.LowBalanceThreshold, a.Metadata,
                SqliteTime.ToMicros(a.CreatedAt), SqliteTime.ToMicros(a.UpdatedAt), a.Seq);
        }
        else if (a.SettingsChanged || (a.IsDirty && !a.SeqIsInNewEntries))
        {
            // Not when only the seq moved and the newest new entry carries it (see Sql.AccountColumns).
            this[Sql.UpdateAccount].Apply(a.Id, a.Tier, a.Frozen, a.OverdraftLimit, a.LowBalanceThreshold, a.Metadata,
                SqliteTime.ToMicros(a.UpdatedAt), a.Seq);
        }

        foreach (var b in a.Balances.Values)
        {
            // A plain insert for a new row (a row already there is an error, not a silent overwrite)
            // and a plain update for a loaded one: no insert attempt on every charge.
            if (b.IsNew || b.IsDirty)
            {
                this[b.IsNew ? Sql.InsertBalance : Sql.UpdateBalance].Apply(b.AccountId, b.Unit, b.Balance.Minor, b.Debt.Minor);
            }
        }

        foreach (var l in a.Lots)
        {
            if (l.IsNew)
            {
                this[Sql.InsertLot].Apply(l.Id, l.AccountId, l.Unit, Names.Of(l.Source), l.Amount.Minor, l.Remaining.Minor, l.Priority,
                    SqliteTime.ToMicros(l.EffectiveAt), SqliteTime.ToDb(l.ExpiresAt), RowReaders.EncodeFeatures(l.Features), l.Reference,
                    l.EntryId, SqliteTime.ToMicros(l.CreatedAt), l.Paid);
            }
            else if (l.IsDirty)
            {
                this[Sql.UpdateLot].Apply(l.Id, l.Remaining.Minor);
            }
        }

        foreach (var h in a.Holds)
        {
            if (h.IsNew)
            {
                this[Sql.InsertHold].Apply(h.Id, h.AccountId, h.Unit, h.Amount.Minor, h.Unbacked.Minor, h.Captured.Minor, Names.Of(h.Status),
                    h.Feature, h.Description, SqliteTime.ToMicros(h.ExpiresAt), SqliteTime.ToMicros(h.CreatedAt), SqliteTime.ToMicros(h.UpdatedAt));
                for (var i = 0; i < h.Pins.Count; i++)
                {
                    this[Sql.InsertPin].Apply(h.Id, i, h.Pins[i].LotId, h.AccountId, h.Pins[i].Amount.Minor);
                }
            }
            else if (h.IsDirty)
            {
                this[Sql.UpdateHold].Apply(h.Id, h.Captured.Minor, Names.Of(h.Status), SqliteTime.ToMicros(h.UpdatedAt));
            }
        }

        foreach (var e in a.NewEntries)
        {
            this[Sql.InsertEntry].Apply(e.Id, e.AccountId, e.Seq, Names.Of(e.Type), e.Unit, e.Amount.Minor, e.BalanceAfter.Minor, e.Feature,
                e.Quantity?.Value, e.Description, e.Reference, e.Metadata, e.Actor, e.HoldId, e.LotId, e.ReversesEntryId, e.TransferId,
                e.IdempotencyKey, SqliteTime.ToMicros(e.CreatedAt), e.Rules);
        }

        foreach (var u in a.RuleUsage.Values)
        {
            if (u.IsDirty)
            {
                this[Sql.UpsertRuleUsage].Apply(u.AccountId, u.Key, u.Period, u.Used);
            }
        }

        foreach (var b in a.NewBurns)
        {
            this[Sql.InsertBurn].Apply(b.EntryId, b.LotId, b.AccountId, b.Amount.Minor);
        }
    }

    public void Dispose()
    {
        foreach (var statement in _statements.Values)
        {
            statement.Dispose();
        }

        Connection.Dispose();
    }
}
