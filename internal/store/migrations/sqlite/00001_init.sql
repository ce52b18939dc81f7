-- The first schema: platform users, their web sessions, login throttling and
-- API tokens (issue 2), and the Telegram account tables (issue 4), created
-- together so the two features do not race for migration numbers.
-- Keep in step with ../postgres/00001_init.sql (TestMigrationsInStep).

-- +goose Up
CREATE TABLE users (
    id            INTEGER  PRIMARY KEY AUTOINCREMENT,
    email         TEXT     NOT NULL UNIQUE,
    password_hash TEXT     NOT NULL,
    is_admin      BOOLEAN  NOT NULL DEFAULT FALSE,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);

CREATE TABLE web_sessions (
    token  TEXT     PRIMARY KEY,
    data   BLOB     NOT NULL,
    expiry DATETIME NOT NULL
);
CREATE INDEX web_sessions_expiry ON web_sessions (expiry);

CREATE TABLE login_failures (
    id           INTEGER  PRIMARY KEY AUTOINCREMENT,
    throttle_key TEXT     NOT NULL,
    failed_at    DATETIME NOT NULL
);
CREATE INDEX login_failures_key_time ON login_failures (throttle_key, failed_at);
CREATE INDEX login_failures_time ON login_failures (failed_at);

CREATE TABLE api_tokens (
    id           INTEGER  PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT     NOT NULL,
    token_hash   BLOB     NOT NULL UNIQUE,
    prefix       TEXT     NOT NULL,
    created_at   DATETIME NOT NULL,
    last_used_at DATETIME,
    revoked_at   DATETIME
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE telegram_accounts (
    id              INTEGER  PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    api_id          INTEGER  NOT NULL,
    api_hash_sealed BLOB,
    phone           TEXT     NOT NULL,
    tg_user_id      INTEGER,
    first_name      TEXT     NOT NULL DEFAULT '',
    last_name       TEXT     NOT NULL DEFAULT '',
    username        TEXT     NOT NULL DEFAULT '',
    dc              INTEGER  NOT NULL DEFAULT 0,
    session_sealed  BLOB,
    status          TEXT     NOT NULL CHECK (status IN ('pending', 'active', 'needs_relogin', 'limited', 'flood_wait', 'disconnected')),
    flood_until     DATETIME,
    status_detail   TEXT     NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    connected_at    DATETIME
);
CREATE INDEX telegram_accounts_user ON telegram_accounts (user_id);
-- One live account per API credential set and per phone, across all users;
-- a disconnected account frees both.
CREATE UNIQUE INDEX telegram_accounts_live_api_id ON telegram_accounts (api_id) WHERE status <> 'disconnected';
CREATE UNIQUE INDEX telegram_accounts_live_phone ON telegram_accounts (phone) WHERE status <> 'disconnected';

CREATE TABLE pending_logins (
    id                     INTEGER  PRIMARY KEY AUTOINCREMENT,
    user_id                INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id             INTEGER  REFERENCES telegram_accounts (id) ON DELETE CASCADE,
    api_id                 INTEGER  NOT NULL,
    api_hash_sealed        BLOB     NOT NULL,
    phone                  TEXT     NOT NULL,
    phone_code_hash_sealed BLOB     NOT NULL,
    session_sealed         BLOB,
    code_type              TEXT     NOT NULL DEFAULT '',
    next_type              TEXT     NOT NULL DEFAULT '',
    code_timeout_seconds   INTEGER  NOT NULL DEFAULT 0,
    password_hint          TEXT     NOT NULL DEFAULT '',
    state                  TEXT     NOT NULL CHECK (state IN ('code_sent', 'password_needed')),
    created_at             DATETIME NOT NULL,
    expires_at             DATETIME NOT NULL
);
CREATE INDEX pending_logins_user ON pending_logins (user_id);
CREATE INDEX pending_logins_expiry ON pending_logins (expires_at);

CREATE TABLE account_activity (
    id         INTEGER  PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER  REFERENCES telegram_accounts (id) ON DELETE CASCADE,
    user_id    INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event      TEXT     NOT NULL,
    detail     TEXT     NOT NULL DEFAULT '',
    ip         TEXT     NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
);
CREATE INDEX account_activity_account ON account_activity (account_id, id);

-- +goose Down
DROP TABLE account_activity;
DROP TABLE pending_logins;
DROP TABLE telegram_accounts;
DROP TABLE api_tokens;
DROP TABLE login_failures;
DROP TABLE web_sessions;
DROP TABLE users;
