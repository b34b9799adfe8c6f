using Npgsql;
using Tally.Ledger.Model;
using Tally.Ledger.Relational;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Postgres;

/// <summary>
/// Builds the batch that writes everything a snapshot changed and commits: each kind of row is
/// one set-based statement over arrays, however many requests the transaction holds, and all of
/// them travel as one statement of data-modifying CTEs (PostgreSQL runs every CTE; foreign keys
/// are checked at the statement's end, so a new account and its first entry can go together).
/// </summary>
internal static partial class PgWriter
{
    /// <param name="connection">Where the batch runs.</param>
    /// <param name="snapshot">What the transaction changed.</param>
    /// <param name="marker">The transaction's commit marker (see migration 0004): written with everything else.</param>
    /// <param name="distributed">Whether the schema is distributed over Citus (new accounts' external ids go to account_external_ids too).</param>
    public static NpgsqlBatch Build(NpgsqlConnection connection, LedgerSnapshot snapshot, Guid marker, bool distributed)
    {
        var batch = connection.CreateBatch();
        if (distributed)
        {
            // On Citus each account's rows go in statements of their own that name the account, so
            // each runs on that account's shard alone; the coordinator's tables get theirs.
            var separate = new SeparateWrites(batch);
            separate.Add(PgSql.InsertMarker, marker);
            foreach (var account in snapshot.Accounts.Values)
            {
                AddAccount(separate, [account], account.Id);
            }

            AddIdempotency(separate, snapshot.NewIdempotency);
            AddOutbox(separate, snapshot);
        }
        else
        {
            var combined = new CombinedWrite();
            combined.Add(PgSql.InsertMarker, marker);
            AddAccount(combined, snapshot.Accounts.Values, shard: null);
            AddIdempotency(combined, snapshot.NewIdempotency);
            AddOutbox(combined, snapshot);
            batch.BatchCommands.Add(combined.ToCommand());
        }

        AddNotify(batch, snapshot);
        PgLoader.Add(batch, "COMMIT");
        return batch;
    }

    /// <summary>
    /// Every row the accounts own. <paramref name="shard"/>: on Citus, the one account they are,
    /// named in each update's WHERE so that it routes to that account's shard.
    /// </summary>
    private static void AddAccount(IWrites writes, IEnumerable<AccountRow> accounts, Guid? shard)
    {
        AddAccounts(writes, accounts, shard);
        AddBalances(writes, accounts, shard);
        AddLots(writes, accounts, shard);
        AddHolds(writes, accounts, shard);
        AddEntries(writes, accounts);
    }

    /// <summary>
    /// The wake-up for every instance's live streams (see <see cref="PgChangeFeed"/>): one NOTIFY
    /// per transaction however many requests it holds, delivered by PostgreSQL when it commits.
    /// </summary>
    private static void AddNotify(NpgsqlBatch batch, LedgerSnapshot snapshot)
    {
        var changes = ChangeMessages.Of(snapshot);
        if (changes.Count > 0)
        {
            var notify = new NpgsqlBatchCommand(PgSql.Notify);
            notify.Parameters.Add(new NpgsqlParameter { Value = ChangeMessages.Encode(changes).ToArray() });
            batch.BatchCommands.Add(notify);
        }
    }

    /// <summary>Where the writer puts its statements.</summary>
    private interface IWrites
    {
        void Add(string sql, params object[] values);
    }

    /// <summary>
    /// Each statement a command of its own in the batch (Citus plans each on its own). An insert
    /// from arrays (<c>INSERT … SELECT * FROM unnest($1::t[], …)</c>) becomes a multi-row
    /// <c>INSERT … VALUES</c> with one parameter per value: Citus routes each row to its shard from
    /// the coordinator's plan, where an insert from a function's rows goes through an intermediate
    /// result on the coordinator first.
    /// </summary>
    private sealed partial class SeparateWrites(NpgsqlBatch batch) : IWrites
    {
        private const string FromArrays = "SELECT * FROM unnest(";

        public void Add(string sql, params object[] values)
        {
            var start = sql.IndexOf(FromArrays, StringComparison.Ordinal);
            if (start < 0)
            {
                PgLoader.Add(batch, sql, values);
                return;
            }

            var end = sql.IndexOf(')', start + FromArrays.Length);
            var types = ArrayParameter().Matches(sql[start..end]).Select(m => m.Groups[1].Value).ToArray();
            var columns = values.Cast<Array>().ToArray();
            var command = new NpgsqlBatchCommand();
            var rows = new List<string>();
            for (var row = 0; row < columns[0].Length; row++)
            {
                var cells = new string[columns.Length];
                for (var column = 0; column < columns.Length; column++)
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = columns[column].GetValue(row) ?? DBNull.Value });
                    cells[column] = $"${command.Parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)}::{types[column]}";
                }

                rows.Add("(" + string.Join(", ", cells) + ")");
            }

            command.CommandText = sql[..start] + "VALUES " + string.Join(", ", rows) + sql[(end + 1)..];
            batch.BatchCommands.Add(command);
        }

        [System.Text.RegularExpressions.GeneratedRegex(@"\$\d+::(\w+)\[\]")]
        private static partial System.Text.RegularExpressions.Regex ArrayParameter();
    }

    /// <summary>Statements joined into one: <c>WITH w0 AS (…), w1 AS (…) SELECT 1</c>, parameters renumbered.</summary>
    private sealed class CombinedWrite : IWrites
    {
        private readonly List<string> _parts = [];
        private readonly List<object> _values = [];

        public void Add(string sql, params object[] values)
        {
            var offset = _values.Count;
            _parts.Add(offset == 0 ? sql : Parameter().Replace(sql, m => "$" + (int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + offset).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            _values.AddRange(values);
        }

        public NpgsqlBatchCommand ToCommand()
        {
            var sql = _parts.Count == 1
                ? _parts[0]
                : "WITH " + string.Join(",\n", _parts.Select((part, i) => $"w{i} AS ({part})")) + "\nSELECT 1";
            var command = new NpgsqlBatchCommand(sql);
            foreach (var value in _values)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            return command;
        }
    }

    /// <summary>An update over arrays, or on Citus the same update routed to one account's shard (its last parameter).</summary>
    private static void AddUpdate(IWrites writes, string sql, string routed, Guid? shard, params object[] values)
    {
        if (shard is { } account)
        {
            writes.Add(routed, [.. values, account]);
        }
        else
        {
            writes.Add(sql, values);
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\$(\d+)")]
    private static partial System.Text.RegularExpressions.Regex Parameter();

    private static void AddAccounts(IWrites batch, IEnumerable<AccountRow> accounts, Guid? shard)
    {
        var inserted = accounts.Where(a => a.IsNew).ToList();
        if (inserted.Count > 0)
        {
            if (shard is not null)
            {
                batch.Add(PgSql.InsertExternalIds, Col(inserted, a => a.ExternalId), Col(inserted, a => a.Id));
            }

            batch.Add(PgSql.InsertAccounts,
                Col(inserted, a => a.Id), Col(inserted, a => a.ExternalId), Col(inserted, a => a.Tier), Col(inserted, a => a.Frozen),
                Col(inserted, a => a.OverdraftLimit), Col(inserted, a => a.LowBalanceThreshold), Col(inserted, a => a.Metadata),
                Col(inserted, a => PgTime.ToDb(a.CreatedAt)), Col(inserted, a => PgTime.ToDb(a.UpdatedAt)), Col(inserted, a => a.Seq));
        }

        var updated = accounts.Where(a => a.IsDirty && !a.IsNew).ToList();
        if (updated.Count > 0)
        {
            AddUpdate(batch, PgSql.UpdateAccounts, PgSql.UpdateAccountsOnShard, shard,
                Col(updated, a => a.Id), Col(updated, a => a.Tier), Col(updated, a => a.Frozen), Col(updated, a => a.OverdraftLimit),
                Col(updated, a => a.LowBalanceThreshold), Col(updated, a => a.Metadata), Col(updated, a => PgTime.ToDb(a.UpdatedAt)),
                Col(updated, a => a.Seq));
        }
    }

    private static void AddBalances(IWrites batch, IEnumerable<AccountRow> accounts, Guid? shard)
    {
        // Rows the transaction loaded are updated (a plain UPDATE, HOT); rows it created are inserted.
        var rows = accounts.SelectMany(a => a.Balances.Values).Where(b => b.IsNew || b.IsDirty).ToList();
        var inserted = rows.Where(b => b.IsNew).ToList();
        if (inserted.Count > 0)
        {
            batch.Add(PgSql.InsertBalances,
                Col(inserted, b => b.AccountId), Col(inserted, b => b.Unit), Col(inserted, b => b.Balance.Minor), Col(inserted, b => b.Debt.Minor));
        }

        var updated = rows.Where(b => !b.IsNew).ToList();
        if (updated.Count > 0)
        {
            AddUpdate(batch, PgSql.UpdateBalances, PgSql.UpdateBalancesOnShard, shard,
                Col(updated, b => b.AccountId), Col(updated, b => b.Unit), Col(updated, b => b.Balance.Minor), Col(updated, b => b.Debt.Minor));
        }
    }

    private static void AddLots(IWrites batch, IEnumerable<AccountRow> accounts, Guid? shard)
    {
        var lots = accounts.SelectMany(a => a.Lots).ToList();
        var inserted = lots.Where(l => l.IsNew).ToList();
        if (inserted.Count > 0)
        {
            batch.Add(PgSql.InsertLots,
                Col(inserted, l => l.Id), Col(inserted, l => l.AccountId), Col(inserted, l => l.Unit), Col(inserted, l => Names.Of(l.Source)),
                Col(inserted, l => l.Amount.Minor), Col(inserted, l => l.Remaining.Minor), Col(inserted, l => l.Priority),
                Col(inserted, l => PgTime.ToDb(l.EffectiveAt)), Col(inserted, l => PgTime.ToDb(l.ExpiresAt)),
                Col(inserted, l => RowReaders.EncodeFeatures(l.Features)), Col(inserted, l => l.Reference), Col(inserted, l => l.EntryId),
                Col(inserted, l => PgTime.ToDb(l.CreatedAt)), Col(inserted, l => l.Paid));
        }

        var updated = lots.Where(l => l.IsDirty && !l.IsNew).ToList();
        if (updated.Count > 0)
        {
            AddUpdate(batch, PgSql.UpdateLots, PgSql.UpdateLotsOnShard, shard, Col(updated, l => l.Id), Col(updated, l => l.Remaining.Minor));
        }
    }

    private static void AddHolds(IWrites batch, IEnumerable<AccountRow> accounts, Guid? shard)
    {
        var holds = accounts.SelectMany(a => a.Holds).ToList();
        var inserted = holds.Where(h => h.IsNew).ToList();
        if (inserted.Count > 0)
        {
            batch.Add(PgSql.InsertHolds,
                Col(inserted, h => h.Id), Col(inserted, h => h.AccountId), Col(inserted, h => h.Unit), Col(inserted, h => h.Amount.Minor),
                Col(inserted, h => h.Unbacked.Minor), Col(inserted, h => h.Captured.Minor), Col(inserted, h => Names.Of(h.Status)),
                Col(inserted, h => h.Feature), Col(inserted, h => h.Description), Col(inserted, h => PgTime.ToDb(h.ExpiresAt)),
                Col(inserted, h => PgTime.ToDb(h.CreatedAt)), Col(inserted, h => PgTime.ToDb(h.UpdatedAt)));
            var pins = inserted.SelectMany(h => h.Pins.Select((p, i) => (Pin: p, Ordinal: i, h.AccountId))).ToList();
            if (pins.Count > 0)
            {
                batch.Add(PgSql.InsertPins,
                    Col(pins, p => p.Pin.HoldId), Col(pins, p => p.Ordinal), Col(pins, p => p.Pin.LotId), Col(pins, p => p.AccountId),
                    Col(pins, p => p.Pin.Amount.Minor));
            }
        }

        var updated = holds.Where(h => h.IsDirty && !h.IsNew).ToList();
        if (updated.Count > 0)
        {
            AddUpdate(batch, PgSql.UpdateHolds, PgSql.UpdateHoldsOnShard, shard,
                Col(updated, h => h.Id), Col(updated, h => h.Captured.Minor), Col(updated, h => Names.Of(h.Status)),
                Col(updated, h => PgTime.ToDb(h.UpdatedAt)));
        }
    }

    private static void AddEntries(IWrites batch, IEnumerable<AccountRow> accounts)
    {
        var entries = accounts.SelectMany(a => a.NewEntries).ToList();
        if (entries.Count > 0)
        {
            batch.Add(PgSql.InsertEntries,
                Col(entries, e => e.Id), Col(entries, e => e.AccountId), Col(entries, e => e.Seq), Col(entries, e => Names.Of(e.Type)),
                Col(entries, e => e.Unit), Col(entries, e => e.Amount.Minor), Col(entries, e => e.BalanceAfter.Minor), Col(entries, e => e.Feature),
                Col(entries, e => e.Quantity?.Value), Col(entries, e => e.Description), Col(entries, e => e.Reference), Col(entries, e => e.Metadata),
                Col(entries, e => e.Actor), Col(entries, e => e.HoldId), Col(entries, e => e.LotId), Col(entries, e => e.ReversesEntryId),
                Col(entries, e => e.TransferId), Col(entries, e => e.IdempotencyKey), Col(entries, e => PgTime.ToDb(e.CreatedAt)), Col(entries, e => e.Rules));
        }

        var usage = accounts.SelectMany(a => a.RuleUsage.Values).Where(u => u.IsDirty).ToList();
        if (usage.Count > 0)
        {
            batch.Add(PgSql.UpsertRuleUsage, Col(usage, u => u.AccountId), Col(usage, u => u.Key), Col(usage, u => u.Period), Col(usage, u => u.Used));
        }

        var burns = accounts.SelectMany(a => a.NewBurns).ToList();
        if (burns.Count > 0)
        {
            batch.Add(PgSql.InsertBurns,
                Col(burns, b => b.EntryId), Col(burns, b => b.LotId), Col(burns, b => b.AccountId), Col(burns, b => b.Amount.Minor));
        }
    }

    private static void AddIdempotency(IWrites batch, List<IdempotencyRow> rows)
    {
        if (rows.Count > 0)
        {
            batch.Add(PgSql.InsertIdempotency,
                Col(rows, r => r.Key), Col(rows, r => r.Fingerprint), Col(rows, r => r.OutcomeJson), Col(rows, r => r.ResponseStatus),
                Col(rows, r => r.ResponseBody), Col(rows, r => PgTime.ToDb(r.CreatedAt)));
        }
    }

    /// <summary>One outbox row per transaction that wrote something outbound webhooks report (docs/webhooks.md).</summary>
    private static void AddOutbox(IWrites batch, LedgerSnapshot snapshot)
    {
        if (PostgresLedgerStore.OutboxWrite(snapshot) is { } outbox)
        {
            batch.Add(outbox.Sql, outbox.Values);
        }
    }

    private static TValue[] Col<TRow, TValue>(List<TRow> rows, Func<TRow, TValue> select)
    {
        var values = new TValue[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            values[i] = select(rows[i]);
        }

        return values;
    }
}
