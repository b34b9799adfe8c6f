-- An account's seq as this store keeps it, for the shared invariant queries (Invariants.sql): a
-- charge leaves the account row alone and its seq is read back from the newest entry, so the
-- column is only a floor (see Sql.AccountColumns).
CREATE VIEW account_seqs AS
SELECT id AS account_id, max(seq, coalesce((SELECT max(e.seq) FROM entries e WHERE e.account_id = accounts.id), 0)) AS seq
FROM accounts;
