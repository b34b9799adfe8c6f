-- Citus only (docs/scaling.md), after the ordinary migrations, once: what the ordinary schema
-- needs before Citus distributes it, then the distribution itself. Plain PostgreSQL never runs this.
--
-- Citus enforces a unique key or a foreign key between distributed tables only on one shard, so
-- each must include the distribution column (account_id). The ids are random UUIDs, unique on
-- their own; adding account_id to their keys changes nothing they guarantee. Lookups by id alone
-- (resolving a hold or entry to its account) keep a plain index.
ALTER TABLE hold_pins DROP CONSTRAINT IF EXISTS hold_pins_lot_id_fkey;
ALTER TABLE hold_pins DROP CONSTRAINT IF EXISTS hold_pins_hold_id_fkey;
ALTER TABLE hold_pins DROP CONSTRAINT hold_pins_pkey, ADD PRIMARY KEY (account_id, hold_id, ordinal);
ALTER TABLE lots DROP CONSTRAINT lots_pkey, ADD PRIMARY KEY (account_id, id);
CREATE INDEX lots_id ON lots (id);
ALTER TABLE holds DROP CONSTRAINT holds_pkey, ADD PRIMARY KEY (account_id, id);
CREATE INDEX holds_id ON holds (id);
ALTER TABLE hold_pins ADD FOREIGN KEY (account_id, hold_id) REFERENCES holds (account_id, id);
ALTER TABLE hold_pins ADD FOREIGN KEY (account_id, lot_id) REFERENCES lots (account_id, id);
-- Foreign keys to accounts come back once both sides are distributed (Citus refuses a key from a
-- local table to a distributed one while distributing).
ALTER TABLE balances DROP CONSTRAINT balances_account_id_fkey;
ALTER TABLE lots DROP CONSTRAINT lots_account_id_fkey;
ALTER TABLE holds DROP CONSTRAINT holds_account_id_fkey;
-- entries is partitioned by month (migration 0014): its keys carry created_at as well.
ALTER TABLE entries DROP CONSTRAINT entries_pkey, ADD PRIMARY KEY (account_id, id, created_at);
CREATE INDEX entries_id ON entries (id);
ALTER TABLE burns DROP CONSTRAINT burns_pkey, ADD PRIMARY KEY (account_id, entry_id, lot_id);
-- An external id names one account. Unique across shards it cannot be as a constraint on
-- accounts (distributed by id); account_external_ids, distributed by external_id, holds it: the
-- store inserts there in the same transaction as the account (Citus commits both with two-phase
-- commit), so two instances creating the same account race on its primary key.
ALTER TABLE accounts DROP CONSTRAINT accounts_external_id_key;
CREATE INDEX accounts_external_id ON accounts (external_id);
CREATE TABLE account_external_ids (
    external_id text PRIMARY KEY,
    account_id  uuid NOT NULL
);
INSERT INTO account_external_ids (external_id, account_id) SELECT external_id, id FROM accounts;

-- Catalogs: small, read by every charge (units, features) or by every request (keys), written
-- rarely. Reference tables: a copy on every node, so joins with any shard stay on that node.
SELECT create_reference_table('units');
SELECT create_reference_table('features');
SELECT create_reference_table('packages');
SELECT create_reference_table('plans');
SELECT create_reference_table('api_keys');
SELECT create_reference_table('signing_keys');
SELECT create_reference_table('admin_users');

-- Account-scoped: distributed by the account id and co-located with accounts, so everything one
-- account owns lives on one shard and a single-account write is a single-shard transaction.
SET LOCAL citus.enable_unsafe_triggers = on;
SELECT create_distributed_table('accounts', 'id');
SELECT create_distributed_table('balances', 'account_id', colocate_with => 'accounts');
SELECT create_distributed_table('lots', 'account_id', colocate_with => 'accounts');
SELECT create_distributed_table('holds', 'account_id', colocate_with => 'accounts');
SELECT create_distributed_table('hold_pins', 'account_id', colocate_with => 'accounts');
SELECT create_distributed_table('entries', 'account_id', colocate_with => 'accounts');
SELECT create_distributed_table('burns', 'account_id', colocate_with => 'accounts');
SELECT create_distributed_table('rule_usage', 'account_id', colocate_with => 'accounts');
SELECT create_distributed_table('analytics_marks', 'account_id', colocate_with => 'accounts');
SELECT create_distributed_table('analytics_account_daily', 'account_id', colocate_with => 'accounts');
SELECT create_distributed_table('analytics_account_totals', 'account_id', colocate_with => 'accounts');
SELECT create_distributed_table('account_external_ids', 'external_id', colocate_with => 'none');

ALTER TABLE balances ADD CONSTRAINT balances_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts (id);
ALTER TABLE lots ADD CONSTRAINT lots_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts (id);
ALTER TABLE holds ADD CONSTRAINT holds_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts (id);
