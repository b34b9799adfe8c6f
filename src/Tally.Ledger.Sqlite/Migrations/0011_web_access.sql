-- The web UI's access; PostgreSQL's 0013_web_access.sql says why the tables are so.
CREATE TABLE admin_users (
    email         TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    failed_logins INTEGER NOT NULL,
    locked_until  INTEGER,
    created_at    INTEGER NOT NULL,
    last_login_at INTEGER
);

CREATE TABLE portal_links (
    token_hash BLOB PRIMARY KEY,
    account    TEXT NOT NULL,
    return_url TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
