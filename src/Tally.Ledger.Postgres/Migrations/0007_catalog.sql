-- What Tally sells: credit packages and subscription plans (catalogs: reference tables on Citus).
-- Money is integer minor units of an ISO 4217 currency.

CREATE TABLE packages (
    id                  text PRIMARY KEY,
    name                text NOT NULL,
    credits             bigint NOT NULL CHECK (credits > 0),
    bonus_credits       bigint NOT NULL CHECK (bonus_credits >= 0),
    price_amount        bigint NOT NULL CHECK (price_amount >= 0),
    currency            text NOT NULL CHECK (length(currency) = 3),
    provider_product_id text,
    active              boolean NOT NULL,
    sort_order          integer NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL
);

CREATE TABLE plans (
    id                  text PRIMARY KEY,
    name                text NOT NULL,
    price_amount        bigint NOT NULL CHECK (price_amount >= 0),
    currency            text NOT NULL CHECK (length(currency) = 3),
    billing_interval    text NOT NULL CHECK (billing_interval IN ('month', 'year')),
    credits_per_period  bigint NOT NULL CHECK (credits_per_period > 0),
    rollover_percent    integer NOT NULL CHECK (rollover_percent BETWEEN 0 AND 100),
    rollover_cap        bigint CHECK (rollover_cap >= 0),
    provider_product_id text,
    active              boolean NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL
);
