-- Hardening (issue 10): web sessions that know their user (listed on the
-- sessions page, ended by a password change or "log out everywhere"),
-- API tokens that expire, a count of wrong Telegram login codes and 2FA
-- passwords per login in progress, and browsers that have logged in before
-- (so failed log-ins by strangers cannot lock the owner out).
-- Keep in step with ../postgres/00006_hardening.sql (TestMigrationsInStep).

-- +goose Up
-- Sessions made before this migration do not say whose they are, so a
-- password change could not end them: everyone logs in once more.
DELETE FROM web_sessions;
ALTER TABLE web_sessions ADD COLUMN user_id INTEGER REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE web_sessions ADD COLUMN created_at DATETIME;
ALTER TABLE web_sessions ADD COLUMN client_ip TEXT NOT NULL DEFAULT '';
ALTER TABLE web_sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
CREATE INDEX web_sessions_user ON web_sessions (user_id);

ALTER TABLE api_tokens ADD COLUMN expires_at DATETIME;

ALTER TABLE pending_logins ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0;

CREATE TABLE login_devices (
    token_hash BLOB     PRIMARY KEY,
    user_id    INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL
);
CREATE INDEX login_devices_user ON login_devices (user_id);

-- +goose Down
DROP TABLE login_devices;
ALTER TABLE pending_logins DROP COLUMN failed_attempts;
ALTER TABLE api_tokens DROP COLUMN expires_at;
-- SQLite cannot drop a column that references another table; sessions are
-- disposable, so the table is made anew.
DROP TABLE web_sessions;
CREATE TABLE web_sessions (
    token  TEXT     PRIMARY KEY,
    data   BLOB     NOT NULL,
    expiry DATETIME NOT NULL
);
CREATE INDEX web_sessions_expiry ON web_sessions (expiry);
