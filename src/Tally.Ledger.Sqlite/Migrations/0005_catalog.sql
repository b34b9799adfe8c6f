-- What Tally sells: credit packages and subscription plans (catalogs: as in the PostgreSQL store).
-- Money is INTEGER minor units of an ISO 4217 currency.

CREATE TABLE packages (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    credits             INTEGER NOT NULL CHECK (credits > 0),
    bonus_credits       INTEGER NOT NULL CHECK (bonus_credits >= 0),
    price_amount        INTEGER NOT NULL CHECK (price_amount >= 0),
    currency            TEXT NOT NULL CHECK (length(currency) = 3),
    provider_product_id TEXT,
    active              INTEGER NOT NULL CHECK (active IN (0, 1)),
    sort_order          INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);

CREATE TABLE plans (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    price_amount        INTEGER NOT NULL CHECK (price_amount >= 0),
    currency            TEXT NOT NULL CHECK (length(currency) = 3),
    billing_interval    TEXT NOT NULL CHECK (billing_interval IN ('month', 'year')),
    credits_per_period  INTEGER NOT NULL CHECK (credits_per_period > 0),
    rollover_percent    INTEGER NOT NULL CHECK (rollover_percent BETWEEN 0 AND 100),
    rollover_cap        INTEGER CHECK (rollover_cap >= 0),
    provider_product_id TEXT,
    active              INTEGER NOT NULL CHECK (active IN (0, 1)),
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
