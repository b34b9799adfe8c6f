-- The ledger schema for PostgreSQL. Every account-scoped table carries account_id (the Citus
-- distribution column); units and features are catalogs (reference tables). Checks repeat the
-- engine's invariants so that a bug cannot commit a negative lot or an edited journal.
--
-- Hot-path tables (accounts, balances, lots) leave room on each page and index no column a
-- charge changes, so a charge's row updates are HOT (heap-only: no index writes).

CREATE TABLE units (
    unit_key   text PRIMARY KEY,
    precision  integer NOT NULL CHECK (precision BETWEEN 0 AND 6),
    scale      bigint NOT NULL CHECK (scale > 0),
    created_at timestamptz NOT NULL
);
INSERT INTO units (unit_key, precision, scale, created_at) VALUES ('credits', 0, 1, now());

CREATE TABLE accounts (
    id                    uuid PRIMARY KEY,
    external_id           text NOT NULL UNIQUE,
    tier                  text NOT NULL,
    frozen                boolean NOT NULL,
    overdraft_limit       bigint NOT NULL CHECK (overdraft_limit >= 0),
    low_balance_threshold bigint,
    metadata              text NOT NULL,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    seq                   bigint NOT NULL CHECK (seq >= 0)
) WITH (fillfactor = 80);

CREATE TABLE balances (
    account_id uuid NOT NULL REFERENCES accounts (id),
    unit       text NOT NULL REFERENCES units (unit_key),
    balance    bigint NOT NULL,
    debt       bigint NOT NULL CHECK (debt >= 0),
    PRIMARY KEY (account_id, unit)
) WITH (fillfactor = 80);

CREATE TABLE lots (
    id           uuid PRIMARY KEY,
    account_id   uuid NOT NULL REFERENCES accounts (id),
    unit         text NOT NULL REFERENCES units (unit_key),
    source       text NOT NULL,
    amount       bigint NOT NULL CHECK (amount > 0),
    remaining    bigint NOT NULL CHECK (remaining >= 0 AND remaining <= amount),
    priority     integer NOT NULL CHECK (priority BETWEEN 0 AND 1000),
    effective_at timestamptz NOT NULL,
    expires_at   timestamptz,
    features     text,
    reference    text,
    entry_id     uuid,
    created_at   timestamptz NOT NULL
) WITH (fillfactor = 80);
CREATE INDEX lots_account ON lots (account_id);
CREATE INDEX lots_expiring ON lots (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE holds (
    id          uuid PRIMARY KEY,
    account_id  uuid NOT NULL REFERENCES accounts (id),
    unit        text NOT NULL REFERENCES units (unit_key),
    amount      bigint NOT NULL CHECK (amount > 0),
    unbacked    bigint NOT NULL CHECK (unbacked >= 0 AND unbacked <= amount),
    captured    bigint NOT NULL CHECK (captured >= 0 AND captured <= amount),
    status      text NOT NULL CHECK (status IN ('active', 'captured', 'released', 'expired')),
    feature     text,
    description text,
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX holds_account ON holds (account_id, created_at);
CREATE INDEX holds_active ON holds (account_id) WHERE status = 'active';
CREATE INDEX holds_expiring ON holds (expires_at) WHERE status = 'active';

CREATE TABLE hold_pins (
    hold_id    uuid NOT NULL REFERENCES holds (id),
    ordinal    integer NOT NULL,
    lot_id     uuid NOT NULL REFERENCES lots (id),
    account_id uuid NOT NULL,
    amount     bigint NOT NULL CHECK (amount > 0),
    PRIMARY KEY (hold_id, ordinal)
);
CREATE INDEX hold_pins_lot ON hold_pins (lot_id);

CREATE TABLE entries (
    id                uuid PRIMARY KEY,
    account_id        uuid NOT NULL REFERENCES accounts (id),
    seq               bigint NOT NULL,
    type              text NOT NULL,
    unit              text NOT NULL REFERENCES units (unit_key),
    amount            bigint NOT NULL,
    balance_after     bigint NOT NULL,
    feature           text,
    quantity          bigint,
    description       text,
    reference         text,
    metadata          text NOT NULL,
    actor             text NOT NULL,
    hold_id           uuid,
    lot_id            uuid,
    reverses_entry_id uuid,
    transfer_id       uuid,
    idempotency_key   text,
    created_at        timestamptz NOT NULL,
    UNIQUE (account_id, seq)
);
CREATE INDEX entries_reverses ON entries (reverses_entry_id) WHERE reverses_entry_id IS NOT NULL;
CREATE INDEX entries_transfer ON entries (transfer_id) WHERE transfer_id IS NOT NULL;

-- Invariant 5: the journal is append-only.
CREATE FUNCTION tally_reject_journal_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the journal is append-only: % on entries is not allowed', TG_OP;
END
$$;
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION tally_reject_journal_change();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries
    FOR EACH STATEMENT EXECUTE FUNCTION tally_reject_journal_change();

CREATE TABLE burns (
    entry_id   uuid NOT NULL,
    lot_id     uuid NOT NULL REFERENCES lots (id),
    account_id uuid NOT NULL,
    amount     bigint NOT NULL CHECK (amount > 0),
    PRIMARY KEY (entry_id, lot_id)
);

CREATE TABLE idempotency (
    idempotency_key text PRIMARY KEY,
    fingerprint     bytea NOT NULL,
    outcome         text NOT NULL,
    response_status integer,
    response_body   bytea,
    created_at      timestamptz NOT NULL
);
CREATE INDEX idempotency_created ON idempotency (created_at);

CREATE TABLE features (
    feature_key text PRIMARY KEY,
    cost_micros bigint NOT NULL CHECK (cost_micros >= 0),
    unit        text NOT NULL REFERENCES units (unit_key),
    description text,
    active      boolean NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
