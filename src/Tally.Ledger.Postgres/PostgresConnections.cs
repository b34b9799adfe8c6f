namespace Tally.Ledger.Postgres;

/// <summary>
/// Where the PostgreSQL store connects (docs/operations.md, "Read replica" and "pgbouncer").
/// <see cref="Primary"/> takes every write and every read that must see the caller's own writes
/// (balances, accounts, holds, idempotent replays). <see cref="Read"/>, when set, serves the reads
/// that may trail by the replica's lag: history pages, CSV exports, analytics and the admin's lists.
/// <see cref="Listen"/>, when set, is the session the change feed LISTENs on — a direct connection
/// (or a session-pooled one) when <see cref="Primary"/> goes through a transaction-pooling pgbouncer,
/// which cannot deliver notifications.
/// </summary>
/// <param name="Primary">The primary's connection string (keywords or a postgres:// URL).</param>
/// <param name="Read">A streaming replica's connection string, or null to read everything from the primary.</param>
/// <param name="Listen">A direct connection string to the primary for LISTEN, or null to listen through <paramref name="Primary"/>.</param>
public sealed record PostgresConnections(string Primary, string? Read = null, string? Listen = null);
