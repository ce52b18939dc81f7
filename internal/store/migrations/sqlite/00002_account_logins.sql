-- Telegram logins in progress (issue 4). A login is an account row in status
-- 'pending' from its first step, so a client follows one id from "send code"
-- to "active". Keep in step with ../postgres/00002_account_logins.sql.

-- +goose Up
-- Only a finished login holds an API ID or phone against everyone else: an
-- abandoned login must not lock a number until it is cleaned up.
DROP INDEX telegram_accounts_live_api_id;
DROP INDEX telegram_accounts_live_phone;
CREATE UNIQUE INDEX telegram_accounts_live_api_id ON telegram_accounts (api_id) WHERE status NOT IN ('disconnected', 'pending');
CREATE UNIQUE INDEX telegram_accounts_live_phone ON telegram_accounts (phone) WHERE status NOT IN ('disconnected', 'pending');

-- One login in progress per account: a new one (resend aside) replaces it.
CREATE UNIQUE INDEX pending_logins_account ON pending_logins (account_id);

-- What the code page shows: how many digits to expect and when the code
-- was (re)sent, from which Telegram's resend timeout counts.
ALTER TABLE pending_logins ADD COLUMN code_length INTEGER NOT NULL DEFAULT 0;
ALTER TABLE pending_logins ADD COLUMN code_sent_at DATETIME;

-- +goose Down
ALTER TABLE pending_logins DROP COLUMN code_sent_at;
ALTER TABLE pending_logins DROP COLUMN code_length;
DROP INDEX pending_logins_account;
DROP INDEX telegram_accounts_live_api_id;
DROP INDEX telegram_accounts_live_phone;
CREATE UNIQUE INDEX telegram_accounts_live_api_id ON telegram_accounts (api_id) WHERE status <> 'disconnected';
CREATE UNIQUE INDEX telegram_accounts_live_phone ON telegram_accounts (phone) WHERE status <> 'disconnected';
