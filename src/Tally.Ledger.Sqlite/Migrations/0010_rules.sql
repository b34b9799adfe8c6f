-- Pricing rules (SPEC §9, docs/rules.md): the rules that changed an entry's amount (JSON, NULL
-- when none) and what rules used per account (first-use markers with period 0; allowance used
-- per period, period = Unix seconds of its start, UTC). See the PostgreSQL migration 0012.
ALTER TABLE entries ADD COLUMN rules TEXT;

CREATE TABLE rule_usage (
    account_id TEXT    NOT NULL REFERENCES accounts (id),
    rule_key   TEXT    NOT NULL,
    period     INTEGER NOT NULL,
    used       INTEGER NOT NULL CHECK (used >= 0),
    PRIMARY KEY (account_id, rule_key, period)
) WITHOUT ROWID;
