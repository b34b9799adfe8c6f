using System.Collections.Concurrent;
using Npgsql;
using Tally.Ledger.Storage;

namespace Tally.Ledger.Postgres;

/// <summary>
/// Which account an external id, a hold or an entry belongs to. These never change once written
/// (accounts are never deleted or renamed), so a cached answer is always right: the common write
/// skips the lookup and its load statements are plain <c>account_id = ANY($1)</c> index scans.
/// Bounded: past <see cref="MaxEntries"/> the cache starts over.
/// </summary>
internal sealed class PgAccountIds
{
    private const int MaxEntries = 250_000;
    private readonly ConcurrentDictionary<string, Guid> _accounts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, Guid> _holds = new();

    /// <summary>The ids of the accounts in scope that exist, looking up what is not cached in one round trip.</summary>
    /// <param name="connection">Where to look.</param>
    /// <param name="scope">The accounts, holds and entries to resolve.</param>
    /// <param name="distributed">Whether the schema is distributed over Citus (external ids are then looked up by their own shard).</param>
    /// <param name="ct">Cancels the lookup.</param>
    public async Task<Guid[]> ResolveAsync(NpgsqlConnection connection, WriteScope scope, bool distributed, CancellationToken ct)
    {
        var ids = new HashSet<Guid>();
        var unknownAccounts = new List<string>();
        foreach (var externalId in scope.Accounts)
        {
            if (_accounts.TryGetValue(externalId, out var id))
            {
                ids.Add(id);
            }
            else
            {
                unknownAccounts.Add(externalId);
            }
        }

        var unknownHolds = new List<Guid>();
        foreach (var holdId in scope.Holds)
        {
            if (_holds.TryGetValue(holdId, out var id))
            {
                ids.Add(id);
            }
            else
            {
                unknownHolds.Add(holdId);
            }
        }

        if (unknownAccounts.Count > 0 || unknownHolds.Count > 0 || scope.Entries.Count > 0)
        {
            await using var command = new NpgsqlCommand { Connection = connection };
            var branches = new List<string>();
            void Branch(string sql, Array values)
            {
                if (values.Length > 0)
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = values });
                    branches.Add(sql.Replace("$1", "$" + command.Parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
                }
            }

            Branch(distributed ? PgSql.ResolveAccountsOnCitus : PgSql.ResolveAccounts, unknownAccounts.ToArray());
            Branch(PgSql.ResolveHolds, unknownHolds.ToArray());
            Branch(PgSql.ResolveEntries, scope.Entries.ToArray());
            command.CommandText = string.Join("\nUNION ALL ", branches);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var accountId = reader.GetGuid(2);
                ids.Add(accountId);
                switch (reader.GetString(0))
                {
                    case "a": Remember(_accounts, reader.GetString(1), accountId); break;
                    case "h": Remember(_holds, Guid.Parse(reader.GetString(1)), accountId); break;
                    default: break;
                }
            }
        }

        return [.. ids];
    }

    /// <summary>Learns the accounts and holds a committed transaction created.</summary>
    public void Learn(LedgerSnapshot snapshot)
    {
        foreach (var account in snapshot.Accounts.Values)
        {
            if (account.IsNew)
            {
                Remember(_accounts, account.ExternalId, account.Id);
            }

            foreach (var hold in account.Holds)
            {
                if (hold.IsNew)
                {
                    Remember(_holds, hold.Id, account.Id);
                }
            }
        }
    }

    private static void Remember<TKey>(ConcurrentDictionary<TKey, Guid> cache, TKey key, Guid value)
        where TKey : notnull
    {
        if (cache.Count >= MaxEntries)
        {
            cache.Clear();
        }

        cache[key] = value;
    }
}
