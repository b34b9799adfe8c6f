-- API keys (hashed), client-token signing keys and the audit log.

CREATE TABLE api_keys (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    prefix      text NOT NULL,
    secret_hash bytea NOT NULL UNIQUE,
    scopes      text NOT NULL,
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);

CREATE TABLE signing_keys (
    kid        text PRIMARY KEY,
    secret     bytea NOT NULL,
    created_at timestamptz NOT NULL,
    retired_at timestamptz
);

CREATE TABLE audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL,
    actor      text NOT NULL,
    action     text NOT NULL,
    target     text,
    status     integer NOT NULL,
    ip         text,
    request_id text,
    details    text
);
CREATE INDEX audit_log_at ON audit_log (at);
