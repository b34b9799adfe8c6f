-- Payments Tally has opened or learned of, and every provider webhook, stored once by its id.
-- Ledger effects (grants, clawbacks) are keyed on the provider's business ids through the
-- ledger's own idempotency, in the same transaction as the credits they move.

CREATE TABLE payments (
    id                       TEXT PRIMARY KEY,
    account                  TEXT NOT NULL,
    kind                     TEXT NOT NULL CHECK (kind IN ('package', 'plan', 'custom')),
    package_id               TEXT,
    plan_id                  TEXT,
    credits                  INTEGER NOT NULL CHECK (credits >= 0),
    price_amount             INTEGER NOT NULL CHECK (price_amount >= 0),
    currency                 TEXT NOT NULL CHECK (length(currency) = 3),
    status                   TEXT NOT NULL,
    provider                 TEXT NOT NULL,
    provider_payment_id      TEXT,
    provider_subscription_id TEXT,
    checkout_session_id      TEXT,
    refunded_amount          INTEGER NOT NULL CHECK (refunded_amount >= 0),
    clawed_back              INTEGER NOT NULL CHECK (clawed_back >= 0),
    unrecovered              INTEGER NOT NULL CHECK (unrecovered >= 0),
    dispute_status           TEXT,
    created_at               INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL
);

CREATE UNIQUE INDEX payments_provider_payment ON payments (provider, provider_payment_id) WHERE provider_payment_id IS NOT NULL;
CREATE INDEX payments_account ON payments (account, id);

CREATE TABLE webhook_events (
    provider    TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    type        TEXT NOT NULL,
    status      TEXT NOT NULL,
    detail      TEXT,
    payload     TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (provider, event_id)
);

CREATE INDEX webhook_events_received ON webhook_events (received_at);

-- What each refund and dispute did, once per effect key (the same key the ledger's idempotency
-- holds): a payment's refunded, clawed-back and unrecovered totals are their sums.
CREATE TABLE payment_effects (
    effect_key  TEXT PRIMARY KEY,
    payment_id  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    amount      INTEGER NOT NULL,
    credits     INTEGER NOT NULL,
    unrecovered INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE INDEX payment_effects_payment ON payment_effects (payment_id);

-- Subscriptions as their latest applied state: a state whose period starts before the stored
-- one is stale and never applied (webhooks arrive in any order).
CREATE TABLE subscriptions (
    provider                 TEXT NOT NULL,
    provider_subscription_id TEXT NOT NULL,
    account                  TEXT NOT NULL,
    plan_id                  TEXT NOT NULL,
    status                   TEXT NOT NULL,
    period_start             INTEGER NOT NULL,
    period_end               INTEGER NOT NULL,
    cancel_at_period_end     INTEGER NOT NULL CHECK (cancel_at_period_end IN (0, 1)),
    created_at               INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL,
    PRIMARY KEY (provider, provider_subscription_id)
);

CREATE INDEX subscriptions_account ON subscriptions (account);
CREATE INDEX subscriptions_period_end ON subscriptions (period_end);
