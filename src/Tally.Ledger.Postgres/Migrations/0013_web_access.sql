-- The web UI's access (docs/ui.md): admin users (cookie login, ASP.NET Core password hashes,
-- lockout after repeated failures) and one-time customer-portal links (only the token's SHA-256 is
-- kept; used_at is set by the one UPDATE that may use it).
CREATE TABLE admin_users (
    email         text PRIMARY KEY,
    password_hash text NOT NULL,
    failed_logins integer NOT NULL,
    locked_until  timestamptz,
    created_at    timestamptz NOT NULL,
    last_login_at timestamptz
);

CREATE TABLE portal_links (
    token_hash bytea PRIMARY KEY,
    account    text NOT NULL,
    return_url text,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
