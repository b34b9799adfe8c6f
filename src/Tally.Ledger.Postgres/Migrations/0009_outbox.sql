-- Outbound webhooks (docs/webhooks.md). A write transaction that did something worth an event
-- inserts one outbox row in the same statement as its other writes: the ids of the journal
-- entries it wrote, accounts that became frozen (with the seq of the freeze) and holds that
-- expired. A ready-to-render event from another module (payments) carries its type and subject
-- instead. The relay on every instance claims rows (FOR UPDATE SKIP LOCKED), turns them into
-- events and delivery attempts and deletes them in one transaction.
--
-- Not account-scoped (one row covers a group transaction's accounts), like commit_markers: with
-- Citus these tables stay local to the coordinator (or become reference tables).
CREATE TABLE outbox (
    id                    bigserial PRIMARY KEY,
    entry_ids             uuid[] NOT NULL,
    frozen_accounts       text[] NOT NULL,
    frozen_seqs           bigint[] NOT NULL,
    expired_holds         uuid[] NOT NULL,
    expired_hold_accounts text[] NOT NULL,
    event_type            text,
    subject               text,
    created_at            timestamptz NOT NULL
);

CREATE TABLE webhook_endpoints (
    id                         text PRIMARY KEY,
    url                        text NOT NULL,
    events                     text NOT NULL,
    description                text,
    secret                     text NOT NULL,
    previous_secret            text,
    previous_secret_expires_at timestamptz,
    created_at                 timestamptz NOT NULL,
    updated_at                 timestamptz NOT NULL
);

-- Each event once, by its id (the webhook-id), with the exact body every attempt sends.
CREATE TABLE outbound_events (
    id         text PRIMARY KEY,
    type       text NOT NULL,
    payload    text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE INDEX outbound_events_created ON outbound_events (created_at);

-- One row per attempt. At most one attempt of an event to an endpoint is live (pending or
-- sending) at a time, and an attempt number is used once: the database refuses the same attempt
-- twice whatever the workers do.
CREATE TABLE webhook_deliveries (
    id              text PRIMARY KEY,
    endpoint_id     text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id        text NOT NULL REFERENCES outbound_events (id),
    event_type      text NOT NULL,
    attempt         integer NOT NULL CHECK (attempt >= 1),
    retry           integer NOT NULL CHECK (retry >= 0),
    status          text NOT NULL CHECK (status IN ('pending', 'sending', 'succeeded', 'failed')),
    due_at          timestamptz NOT NULL,
    lease_until     timestamptz,
    give_up_at      timestamptz NOT NULL,
    response_status integer,
    error           text,
    created_at      timestamptz NOT NULL,
    finished_at     timestamptz,
    UNIQUE (endpoint_id, event_id, attempt)
);

CREATE UNIQUE INDEX webhook_deliveries_live ON webhook_deliveries (endpoint_id, event_id) WHERE status IN ('pending', 'sending');
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (due_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_lease ON webhook_deliveries (lease_until) WHERE status = 'sending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
