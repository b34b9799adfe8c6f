-- Fraud flags (docs/fraud.md). The detector raises a flag with the evidence that tripped it
-- (numbers and the entry or payment ids, bounded); an admin clears it with a reason. At most one
-- OPEN flag per (account, kind): the partial unique index makes two detectors racing (two
-- instances over one database) raise it once — the loser's INSERT does nothing.
CREATE TABLE fraud_flags (
    id           text PRIMARY KEY,
    account      text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('velocity', 'failed_payments', 'refunds', 'dispute')),
    evidence     text NOT NULL,
    status       text NOT NULL CHECK (status IN ('open', 'cleared')),
    created_at   timestamptz NOT NULL,
    cleared_at   timestamptz,
    cleared_by   text,
    clear_reason text
);

CREATE UNIQUE INDEX fraud_flags_open ON fraud_flags (account, kind) WHERE status = 'open';
CREATE INDEX fraud_flags_account ON fraud_flags (account, kind, id);
CREATE INDEX fraud_flags_status ON fraud_flags (status, id);
