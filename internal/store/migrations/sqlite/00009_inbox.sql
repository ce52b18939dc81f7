-- Inbox (issue 13): every private conversation of a user's accounts, the
-- messages in both directions, and the answers' outbox.
-- Keep in step with ../postgres/00009_inbox.sql (TestMigrationsInStep).

-- +goose Up
-- One conversation per account and person. The list is read newest first
-- with a keyset cursor on (last_message_at, id), so every filter has an
-- index that ends in those two columns: page 1,000 costs what page 1 does.
CREATE TABLE conversations (
    id                INTEGER     PRIMARY KEY AUTOINCREMENT,
    user_id           INTEGER      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id        INTEGER      NOT NULL REFERENCES telegram_accounts (id) ON DELETE CASCADE,
    tg_user_id        INTEGER      NOT NULL,
    access_hash       INTEGER      NOT NULL DEFAULT 0,
    first_name        TEXT        NOT NULL DEFAULT '',
    last_name         TEXT        NOT NULL DEFAULT '',
    username          TEXT        NOT NULL DEFAULT '',
    -- Lower-case names and username, written from Go (SQLite's lower()
    -- knows only ASCII), for the search box.
    search_text       TEXT        NOT NULL DEFAULT '',
    last_message_at   DATETIME    NOT NULL,
    last_message_text TEXT        NOT NULL DEFAULT '',
    last_message_out  BOOLEAN     NOT NULL DEFAULT FALSE,
    unread            INTEGER      NOT NULL DEFAULT 0,
    status            TEXT        NOT NULL CHECK (status IN ('open', 'done')),
    campaign_id       INTEGER      REFERENCES campaigns (id) ON DELETE SET NULL,
    history_loaded    BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at        DATETIME    NOT NULL,
    updated_at        DATETIME    NOT NULL
);
CREATE UNIQUE INDEX conversations_peer ON conversations (account_id, tg_user_id);
CREATE INDEX conversations_list ON conversations (user_id, last_message_at, id);
CREATE INDEX conversations_account ON conversations (user_id, account_id, last_message_at, id);
CREATE INDEX conversations_campaign ON conversations (user_id, campaign_id, last_message_at, id);
CREATE INDEX conversations_status ON conversations (user_id, status, last_message_at, id);
CREATE INDEX conversations_unread ON conversations (user_id, last_message_at, id) WHERE unread > 0;
-- What changed since a time, for live pages served by another node than
-- the one that stored the change.
CREATE INDEX conversations_changed ON conversations (user_id, updated_at);

-- A conversation's messages, both directions. origin says who wrote an
-- outgoing one: a campaign, an answer from the inbox, or the account's own
-- Telegram apps; incoming ones are the person's. An answer is an outbox
-- row: its random_id is committed before it is sent, so a retry after a
-- crash is the same message to Telegram.
CREATE TABLE inbox_messages (
    id              INTEGER     PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER      NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         INTEGER      NOT NULL,
    account_id      INTEGER      NOT NULL,
    tg_message_id   INTEGER      NOT NULL DEFAULT 0,
    direction       TEXT        NOT NULL CHECK (direction IN ('in', 'out')),
    origin          TEXT        NOT NULL CHECK (origin IN ('person', 'campaign', 'answer', 'app')),
    text            TEXT        NOT NULL DEFAULT '',
    media_type      TEXT        NOT NULL DEFAULT '',
    media_size      INTEGER      NOT NULL DEFAULT 0,
    sent_at         DATETIME    NOT NULL,
    state           TEXT        NOT NULL DEFAULT '' CHECK (state IN ('', 'pending', 'sending', 'sent', 'failed')),
    random_id       INTEGER      NOT NULL DEFAULT 0,
    attempts        INTEGER      NOT NULL DEFAULT 0,
    error_code      TEXT        NOT NULL DEFAULT '',
    error           TEXT        NOT NULL DEFAULT '',
    created_at      DATETIME    NOT NULL,
    updated_at      DATETIME    NOT NULL
);
-- A message seen twice (pushed, then in getDifference or the history) is
-- stored once.
CREATE UNIQUE INDEX inbox_messages_tg ON inbox_messages (conversation_id, tg_message_id) WHERE tg_message_id <> 0;
CREATE INDEX inbox_messages_thread ON inbox_messages (conversation_id, sent_at, id);
CREATE INDEX inbox_messages_outbox ON inbox_messages (account_id, state, id) WHERE state IN ('pending', 'sending');

-- +goose Down
DROP TABLE inbox_messages;
DROP TABLE conversations;
