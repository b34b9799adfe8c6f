-- An account's seq as this store keeps it, for the shared invariant queries (Invariants.sql): the
-- column itself here; SQLite reads it back from the journal, so both stores run one definition.
CREATE VIEW account_seqs AS SELECT id AS account_id, seq FROM accounts;
