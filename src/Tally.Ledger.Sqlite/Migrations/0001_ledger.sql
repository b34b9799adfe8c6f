-- The ledger schema for SQLite. Timestamps are integer microseconds since the Unix epoch (UTC),
-- ids are UUIDv7 as 32 hex characters (so they sort by time: new entries append to their
-- indexes instead of landing on a random page). Checks here repeat the engine's invariants, so a
-- bug cannot commit a negative lot or an edited journal. Tables read by key are WITHOUT ROWID:
-- one b-tree page per row instead of an index page and a table page.

CREATE TABLE units (
    unit_key   TEXT PRIMARY KEY,
    precision  INTEGER NOT NULL CHECK (precision BETWEEN 0 AND 6),
    scale      INTEGER NOT NULL CHECK (scale > 0),
    created_at INTEGER NOT NULL
);
INSERT INTO units (unit_key, precision, scale, created_at) VALUES ('credits', 0, 1, 0);

CREATE TABLE accounts (
    id                    TEXT PRIMARY KEY,
    external_id           TEXT NOT NULL UNIQUE,
    tier                  TEXT NOT NULL,
    frozen                INTEGER NOT NULL CHECK (frozen IN (0, 1)),
    overdraft_limit       INTEGER NOT NULL CHECK (overdraft_limit >= 0),
    low_balance_threshold INTEGER,
    metadata              TEXT NOT NULL,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    seq                   INTEGER NOT NULL CHECK (seq >= 0)
) WITHOUT ROWID;

CREATE TABLE balances (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    unit       TEXT NOT NULL REFERENCES units (unit_key),
    balance    INTEGER NOT NULL,
    debt       INTEGER NOT NULL CHECK (debt >= 0),
    PRIMARY KEY (account_id, unit)
) WITHOUT ROWID;

CREATE TABLE lots (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    unit         TEXT NOT NULL REFERENCES units (unit_key),
    source       TEXT NOT NULL,
    amount       INTEGER NOT NULL CHECK (amount > 0),
    remaining    INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= amount),
    priority     INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 1000),
    effective_at INTEGER NOT NULL,
    expires_at   INTEGER,
    features     TEXT,
    reference    TEXT,
    entry_id     TEXT,
    created_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX lots_account ON lots (account_id);
CREATE INDEX lots_expiring ON lots (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE holds (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    unit        TEXT NOT NULL REFERENCES units (unit_key),
    amount      INTEGER NOT NULL CHECK (amount > 0),
    unbacked    INTEGER NOT NULL CHECK (unbacked >= 0 AND unbacked <= amount),
    captured    INTEGER NOT NULL CHECK (captured >= 0 AND captured <= amount),
    status      TEXT NOT NULL CHECK (status IN ('active', 'captured', 'released', 'expired')),
    feature     TEXT,
    description TEXT,
    expires_at  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX holds_account ON holds (account_id, created_at);
CREATE INDEX holds_active ON holds (account_id) WHERE status = 'active';
CREATE INDEX holds_expiring ON holds (expires_at) WHERE status = 'active';

CREATE TABLE hold_pins (
    hold_id    TEXT NOT NULL REFERENCES holds (id),
    ordinal    INTEGER NOT NULL,
    lot_id     TEXT NOT NULL REFERENCES lots (id),
    account_id TEXT NOT NULL,
    amount     INTEGER NOT NULL CHECK (amount > 0),
    PRIMARY KEY (hold_id, ordinal)
);
CREATE INDEX hold_pins_lot ON hold_pins (lot_id);

CREATE TABLE entries (
    id                TEXT NOT NULL UNIQUE,
    account_id        TEXT NOT NULL REFERENCES accounts (id),
    seq               INTEGER NOT NULL,
    type              TEXT NOT NULL,
    unit              TEXT NOT NULL REFERENCES units (unit_key),
    amount            INTEGER NOT NULL,
    balance_after     INTEGER NOT NULL,
    feature           TEXT,
    quantity          INTEGER,
    description       TEXT,
    reference         TEXT,
    metadata          TEXT NOT NULL,
    actor             TEXT NOT NULL,
    hold_id           TEXT,
    lot_id            TEXT,
    reverses_entry_id TEXT,
    transfer_id       TEXT,
    idempotency_key   TEXT,
    created_at        INTEGER NOT NULL,
    PRIMARY KEY (account_id, seq)
) WITHOUT ROWID;
CREATE INDEX entries_reverses ON entries (reverses_entry_id) WHERE reverses_entry_id IS NOT NULL;
CREATE INDEX entries_transfer ON entries (transfer_id) WHERE transfer_id IS NOT NULL;

-- Invariant 5: the journal is append-only.
CREATE TRIGGER entries_append_only_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: entries cannot be updated'); END;
CREATE TRIGGER entries_append_only_delete BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: entries cannot be deleted'); END;

-- Lineage rows are only appended and only read whole (verify), so no key or index.
CREATE TABLE burns (
    entry_id   TEXT NOT NULL,
    lot_id     TEXT NOT NULL REFERENCES lots (id),
    account_id TEXT NOT NULL,
    amount     INTEGER NOT NULL CHECK (amount > 0)
);

CREATE TABLE idempotency (
    idempotency_key TEXT PRIMARY KEY,
    fingerprint     BLOB NOT NULL,
    outcome         TEXT NOT NULL,
    response_status INTEGER,
    response_body   BLOB,
    created_at      INTEGER NOT NULL
);
CREATE INDEX idempotency_created ON idempotency (created_at);

CREATE TABLE features (
    feature_key TEXT PRIMARY KEY,
    cost_micros INTEGER NOT NULL CHECK (cost_micros >= 0),
    unit        TEXT NOT NULL REFERENCES units (unit_key),
    description TEXT,
    active      INTEGER NOT NULL CHECK (active IN (0, 1)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
