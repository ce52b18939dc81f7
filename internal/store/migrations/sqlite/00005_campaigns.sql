-- Campaigns (issue 9): what is sent, to whom, by which account, at what
-- pace; the suppression list; each account's updates state for replies.
-- Keep in step with ../postgres/00005_campaigns.sql (TestMigrationsInStep).

-- +goose Up
-- A use of an account records its health only for the login it started
-- on: rotation and re-login move the generation, a refreshed session does
-- not (sealing is randomised, so the sealed bytes cannot tell).
ALTER TABLE telegram_accounts ADD COLUMN login_generation INTEGER NOT NULL DEFAULT 0;

CREATE TABLE campaigns (
    id                   INTEGER     PRIMARY KEY AUTOINCREMENT,
    user_id              INTEGER      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name                 TEXT        NOT NULL,
    message              TEXT        NOT NULL,
    opt_out_footer       BOOLEAN     NOT NULL DEFAULT TRUE,
    link_preview         BOOLEAN     NOT NULL DEFAULT FALSE,
    status               TEXT        NOT NULL CHECK (status IN ('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled')),
    audience             TEXT        NOT NULL DEFAULT '{}',
    min_interval_seconds INTEGER      NOT NULL,
    daily_cap            INTEGER      NOT NULL,
    window_from          TEXT        NOT NULL DEFAULT '',
    window_to            TEXT        NOT NULL DEFAULT '',
    time_zone            TEXT        NOT NULL DEFAULT '',
    rate_per_hour        INTEGER      NOT NULL DEFAULT 0,
    next_slot_at         DATETIME   ,
    failure_percent      INTEGER      NOT NULL DEFAULT 10,
    pause_reason         TEXT        NOT NULL DEFAULT '',
    recipients           INTEGER      NOT NULL DEFAULT 0,
    start_at             DATETIME   ,
    created_at           DATETIME    NOT NULL,
    updated_at           DATETIME    NOT NULL,
    started_at           DATETIME   ,
    finished_at          DATETIME   
);
CREATE INDEX campaigns_user ON campaigns (user_id, id);
CREATE INDEX campaigns_status ON campaigns (status);

CREATE TABLE campaign_senders (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES telegram_accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (campaign_id, account_id)
);
CREATE INDEX campaign_senders_account ON campaign_senders (account_id);

-- The outbox: one row per recipient, its random_id fixed when the row is
-- written, so every attempt at it is the same message to Telegram.
CREATE TABLE deliveries (
    id          INTEGER     PRIMARY KEY AUTOINCREMENT,
    campaign_id INTEGER      NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    user_id     INTEGER      NOT NULL,
    account_id  INTEGER      NOT NULL DEFAULT 0,
    tg_user_id  INTEGER      NOT NULL DEFAULT 0,
    access_hash INTEGER      NOT NULL DEFAULT 0,
    username    TEXT        NOT NULL DEFAULT '',
    first_name  TEXT        NOT NULL DEFAULT '',
    last_name   TEXT        NOT NULL DEFAULT '',
    state       TEXT        NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    reason_code TEXT        NOT NULL DEFAULT '',
    reason      TEXT        NOT NULL DEFAULT '',
    random_id   INTEGER      NOT NULL,
    message_id  INTEGER      NOT NULL DEFAULT 0,
    attempts    INTEGER      NOT NULL DEFAULT 0,
    claimed_at  DATETIME   ,
    sent_at     DATETIME   ,
    replied_at  DATETIME   ,
    reply_text  TEXT        NOT NULL DEFAULT '',
    updated_at  DATETIME    NOT NULL
);
CREATE INDEX deliveries_queue ON deliveries (campaign_id, account_id, state, id);
CREATE INDEX deliveries_state ON deliveries (campaign_id, state);
CREATE INDEX deliveries_recipient ON deliveries (account_id, tg_user_id);
CREATE INDEX deliveries_sending ON deliveries (account_id, state);

-- An account's pace belongs to the account, not to a campaign: every
-- claim of a send moves it in the claim's transaction.
CREATE TABLE account_pace (
    account_id   INTEGER      PRIMARY KEY REFERENCES telegram_accounts (id) ON DELETE CASCADE,
    last_send_at DATETIME   ,
    next_send_at DATETIME   ,
    day          TEXT        NOT NULL DEFAULT '',
    day_count    INTEGER      NOT NULL DEFAULT 0,
    updated_at   DATETIME    NOT NULL
);

CREATE TABLE suppressions (
    id         INTEGER     PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tg_user_id INTEGER      NOT NULL DEFAULT 0,
    username   TEXT        NOT NULL DEFAULT '',
    reason     TEXT        NOT NULL DEFAULT '',
    created_at DATETIME    NOT NULL
);
CREATE UNIQUE INDEX suppressions_user_tg ON suppressions (user_id, tg_user_id) WHERE tg_user_id <> 0;
CREATE UNIQUE INDEX suppressions_user_username ON suppressions (user_id, username) WHERE username <> '';

-- Telegram's updates state per account (what gotd's updates.StateStorage
-- keeps), so replies are found after a restart or a gap.
CREATE TABLE account_updates_state (
    account_id INTEGER      PRIMARY KEY REFERENCES telegram_accounts (id) ON DELETE CASCADE,
    pts        INTEGER      NOT NULL DEFAULT 0,
    qts        INTEGER      NOT NULL DEFAULT 0,
    date       INTEGER      NOT NULL DEFAULT 0,
    seq        INTEGER      NOT NULL DEFAULT 0,
    updated_at DATETIME    NOT NULL
);
CREATE TABLE account_channel_pts (
    account_id INTEGER NOT NULL REFERENCES telegram_accounts (id) ON DELETE CASCADE,
    channel_id INTEGER NOT NULL,
    pts        INTEGER NOT NULL,
    PRIMARY KEY (account_id, channel_id)
);

-- +goose Down
DROP TABLE account_channel_pts;
DROP TABLE account_updates_state;
DROP TABLE suppressions;
DROP TABLE account_pace;
DROP TABLE deliveries;
DROP TABLE campaign_senders;
DROP TABLE campaigns;
ALTER TABLE telegram_accounts DROP COLUMN login_generation;
