-- Analytics (docs/analytics.md): daily rollups folded incrementally from the journal, which is
-- never deleted, so every rollup can be rebuilt from it.
--
-- The watermark is per account: analytics_marks holds, for each account, the seq up to which its
-- entries are folded. An account's seq only moves under its row lock and commits with the
-- entries it numbers, so entries of one account commit in seq order: once a committed seq S is
-- read, every entry with seq <= S is committed and visible. A global "highest id or time seen"
-- would skip a transaction that commits after a later one; a per-account seq cannot.
-- Folding an account's entries and advancing its mark happen in one transaction, so a slice
-- folded twice counts once; the folder locks the single analytics_state row first, so two
-- instances over one database fold one after the other, never the same entries twice.
--
-- Days are whole days since 1970-01-01 UTC. A feature-less entry has feature ''. paid_amount is
-- the part of amount that moved paid credits (lots with paid = true): for a credit, what the
-- lots it created hold; for a debit, what it burned from paid lots.
CREATE TABLE analytics_state (
    id             integer PRIMARY KEY CHECK (id = 1),
    entries_folded bigint NOT NULL,
    folded_at      timestamptz
);
INSERT INTO analytics_state (id, entries_folded, folded_at) VALUES (1, 0, NULL);

CREATE TABLE analytics_marks (
    account_id uuid PRIMARY KEY,
    seq        bigint NOT NULL CHECK (seq >= 0)
);

-- Platform per day: kept forever (a few rows a day).
CREATE TABLE analytics_daily (
    day         bigint NOT NULL,
    unit        text NOT NULL,
    type        text NOT NULL,
    feature     text NOT NULL,
    amount      bigint NOT NULL,
    paid_amount bigint NOT NULL,
    entries     bigint NOT NULL,
    quantity    bigint NOT NULL,
    PRIMARY KEY (day, unit, type, feature)
);

-- Per account per day: kept CREDIT_ANALYTICS_RETENTION_DAYS, then pruned.
CREATE TABLE analytics_account_daily (
    account_id  uuid NOT NULL,
    day         bigint NOT NULL,
    unit        text NOT NULL,
    type        text NOT NULL,
    feature     text NOT NULL,
    amount      bigint NOT NULL,
    paid_amount bigint NOT NULL,
    entries     bigint NOT NULL,
    quantity    bigint NOT NULL,
    PRIMARY KEY (account_id, day, unit, type, feature)
);
CREATE INDEX analytics_account_daily_day ON analytics_account_daily (day, type);

-- Per account since the beginning: kept forever (one row per unit, type and feature used).
CREATE TABLE analytics_account_totals (
    account_id  uuid NOT NULL,
    unit        text NOT NULL,
    type        text NOT NULL,
    feature     text NOT NULL,
    amount      bigint NOT NULL,
    paid_amount bigint NOT NULL,
    entries     bigint NOT NULL,
    quantity    bigint NOT NULL,
    PRIMARY KEY (account_id, unit, type, feature)
);
