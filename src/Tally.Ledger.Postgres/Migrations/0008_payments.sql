-- Payments Tally has opened or learned of, and every provider webhook, stored once by its id.
-- Ledger effects (grants, clawbacks) are keyed on the provider's business ids through the
-- ledger's own idempotency, in the same transaction as the credits they move.

CREATE TABLE payments (
    id                       text PRIMARY KEY,
    account                  text NOT NULL,
    kind                     text NOT NULL CHECK (kind IN ('package', 'plan', 'custom')),
    package_id               text,
    plan_id                  text,
    credits                  bigint NOT NULL CHECK (credits >= 0),
    price_amount             bigint NOT NULL CHECK (price_amount >= 0),
    currency                 text NOT NULL CHECK (length(currency) = 3),
    status                   text NOT NULL,
    provider                 text NOT NULL,
    provider_payment_id      text,
    provider_subscription_id text,
    checkout_session_id      text,
    refunded_amount          bigint NOT NULL CHECK (refunded_amount >= 0),
    clawed_back              bigint NOT NULL CHECK (clawed_back >= 0),
    unrecovered              bigint NOT NULL CHECK (unrecovered >= 0),
    dispute_status           text,
    created_at               timestamptz NOT NULL,
    updated_at               timestamptz NOT NULL
);

CREATE UNIQUE INDEX payments_provider_payment ON payments (provider, provider_payment_id) WHERE provider_payment_id IS NOT NULL;
CREATE INDEX payments_account ON payments (account, id);

CREATE TABLE webhook_events (
    provider    text NOT NULL,
    event_id    text NOT NULL,
    type        text NOT NULL,
    status      text NOT NULL,
    detail      text,
    payload     text NOT NULL,
    attempts    integer NOT NULL,
    received_at timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (provider, event_id)
);

CREATE INDEX webhook_events_received ON webhook_events (received_at);

-- What each refund and dispute did, once per effect key (the same key the ledger's idempotency
-- holds): a payment's refunded, clawed-back and unrecovered totals are their sums.
CREATE TABLE payment_effects (
    effect_key  text PRIMARY KEY,
    payment_id  text NOT NULL,
    kind        text NOT NULL,
    amount      bigint NOT NULL,
    credits     bigint NOT NULL,
    unrecovered bigint NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE INDEX payment_effects_payment ON payment_effects (payment_id);

-- Subscriptions as their latest applied state: a state whose period starts before the stored
-- one is stale and never applied (webhooks arrive in any order).
CREATE TABLE subscriptions (
    provider                 text NOT NULL,
    provider_subscription_id text NOT NULL,
    account                  text NOT NULL,
    plan_id                  text NOT NULL,
    status                   text NOT NULL,
    period_start             timestamptz NOT NULL,
    period_end               timestamptz NOT NULL,
    cancel_at_period_end     boolean NOT NULL,
    created_at               timestamptz NOT NULL,
    updated_at               timestamptz NOT NULL,
    PRIMARY KEY (provider, provider_subscription_id)
);

CREATE INDEX subscriptions_account ON subscriptions (account);
CREATE INDEX subscriptions_period_end ON subscriptions (period_end);
