-- Outbound webhooks (docs/webhooks.md); PostgreSQL's 0009_outbox.sql says why each table is so.
-- Lists are comma-separated text (ids are hex, account ids have no commas); the outbox id never
-- repeats (AUTOINCREMENT), so a relay that read rows can delete exactly those.
CREATE TABLE outbox (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_ids             TEXT NOT NULL,
    frozen_accounts       TEXT NOT NULL,
    frozen_seqs           TEXT NOT NULL,
    expired_holds         TEXT NOT NULL,
    expired_hold_accounts TEXT NOT NULL,
    event_type            TEXT,
    subject               TEXT,
    created_at            INTEGER NOT NULL
);

CREATE TABLE webhook_endpoints (
    id                         TEXT PRIMARY KEY,
    url                        TEXT NOT NULL,
    events                     TEXT NOT NULL,
    description                TEXT,
    secret                     TEXT NOT NULL,
    previous_secret            TEXT,
    previous_secret_expires_at INTEGER,
    created_at                 INTEGER NOT NULL,
    updated_at                 INTEGER NOT NULL
);

CREATE TABLE outbound_events (
    id         TEXT PRIMARY KEY,
    type       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE INDEX outbound_events_created ON outbound_events (created_at);

CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL REFERENCES outbound_events (id),
    event_type      TEXT NOT NULL,
    attempt         INTEGER NOT NULL CHECK (attempt >= 1),
    retry           INTEGER NOT NULL CHECK (retry >= 0),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'succeeded', 'failed')),
    due_at          INTEGER NOT NULL,
    lease_until     INTEGER,
    give_up_at      INTEGER NOT NULL,
    response_status INTEGER,
    error           TEXT,
    created_at      INTEGER NOT NULL,
    finished_at     INTEGER,
    UNIQUE (endpoint_id, event_id, attempt)
);

CREATE UNIQUE INDEX webhook_deliveries_live ON webhook_deliveries (endpoint_id, event_id) WHERE status IN ('pending', 'sending');
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (due_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_lease ON webhook_deliveries (lease_until) WHERE status = 'sending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
