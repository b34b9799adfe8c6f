-- Fraud flags (docs/fraud.md); PostgreSQL's 0011_fraud.sql says why the table is so.
CREATE TABLE fraud_flags (
    id           TEXT PRIMARY KEY,
    account      TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('velocity', 'failed_payments', 'refunds', 'dispute')),
    evidence     TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'cleared')),
    created_at   INTEGER NOT NULL,
    cleared_at   INTEGER,
    cleared_by   TEXT,
    clear_reason TEXT
);

CREATE UNIQUE INDEX fraud_flags_open ON fraud_flags (account, kind) WHERE status = 'open';
CREATE INDEX fraud_flags_account ON fraud_flags (account, kind, id);
CREATE INDEX fraud_flags_status ON fraud_flags (status, id);
