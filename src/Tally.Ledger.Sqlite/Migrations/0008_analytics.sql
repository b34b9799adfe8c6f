-- Analytics (docs/analytics.md); PostgreSQL's 0010_analytics.sql says why each table is so.
-- Here one writer commits at a time, so the per-account watermark is simply exact.
CREATE TABLE analytics_state (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    entries_folded INTEGER NOT NULL,
    folded_at      INTEGER
);
INSERT INTO analytics_state (id, entries_folded, folded_at) VALUES (1, 0, NULL);

CREATE TABLE analytics_marks (
    account_id TEXT PRIMARY KEY,
    seq        INTEGER NOT NULL CHECK (seq >= 0)
) WITHOUT ROWID;

CREATE TABLE analytics_daily (
    day         INTEGER NOT NULL,
    unit        TEXT NOT NULL,
    type        TEXT NOT NULL,
    feature     TEXT NOT NULL,
    amount      INTEGER NOT NULL,
    paid_amount INTEGER NOT NULL,
    entries     INTEGER NOT NULL,
    quantity    INTEGER NOT NULL,
    PRIMARY KEY (day, unit, type, feature)
) WITHOUT ROWID;

CREATE TABLE analytics_account_daily (
    account_id  TEXT NOT NULL,
    day         INTEGER NOT NULL,
    unit        TEXT NOT NULL,
    type        TEXT NOT NULL,
    feature     TEXT NOT NULL,
    amount      INTEGER NOT NULL,
    paid_amount INTEGER NOT NULL,
    entries     INTEGER NOT NULL,
    quantity    INTEGER NOT NULL,
    PRIMARY KEY (account_id, day, unit, type, feature)
) WITHOUT ROWID;
CREATE INDEX analytics_account_daily_day ON analytics_account_daily (day, type);

CREATE TABLE analytics_account_totals (
    account_id  TEXT NOT NULL,
    unit        TEXT NOT NULL,
    type        TEXT NOT NULL,
    feature     TEXT NOT NULL,
    amount      INTEGER NOT NULL,
    paid_amount INTEGER NOT NULL,
    entries     INTEGER NOT NULL,
    quantity    INTEGER NOT NULL,
    PRIMARY KEY (account_id, unit, type, feature)
) WITHOUT ROWID;

-- What a debit burned, by its entry: the fold reads the paid part of each debit from here
-- (PostgreSQL's burns has this as its primary key's prefix).
CREATE INDEX burns_entry ON burns (entry_id);
