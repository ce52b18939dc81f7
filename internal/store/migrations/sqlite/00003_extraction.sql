-- Member extraction (issue 5): the chats each Telegram account can see,
-- extraction jobs with their checkpoints, member lists and their members.
-- Keep in step with ../postgres/00003_extraction.sql (TestMigrationsInStep).

-- +goose Up
CREATE TABLE account_chats (
    id             INTEGER  PRIMARY KEY AUTOINCREMENT,
    account_id     INTEGER  NOT NULL REFERENCES telegram_accounts (id) ON DELETE CASCADE,
    tg_chat_id     INTEGER  NOT NULL,
    access_hash    INTEGER  NOT NULL DEFAULT 0,
    kind           TEXT     NOT NULL CHECK (kind IN ('group', 'supergroup', 'channel')),
    title          TEXT     NOT NULL,
    username       TEXT     NOT NULL DEFAULT '',
    members_count  INTEGER  NOT NULL DEFAULT 0,
    is_admin       BOOLEAN  NOT NULL DEFAULT FALSE,
    is_creator     BOOLEAN  NOT NULL DEFAULT FALSE,
    members_hidden BOOLEAN  NOT NULL DEFAULT FALSE,
    refreshed_at   DATETIME NOT NULL
);
CREATE UNIQUE INDEX account_chats_account_chat ON account_chats (account_id, tg_chat_id);

CREATE TABLE member_lists (
    id           INTEGER  PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT     NOT NULL,
    source       TEXT     NOT NULL CHECK (source IN ('extraction', 'merge')),
    member_count INTEGER  NOT NULL DEFAULT 0,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL
);
CREATE INDEX member_lists_user ON member_lists (user_id, id);

-- The checkpoint (phase, phase_offset, fetched) is written in the same
-- transaction as the members of the page it follows; run_token names the
-- run allowed to write it, so a run that lost its job (rescued after a
-- crash) cannot move it.
CREATE TABLE extractions (
    id                INTEGER  PRIMARY KEY AUTOINCREMENT,
    user_id           INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id        INTEGER  NOT NULL REFERENCES telegram_accounts (id) ON DELETE CASCADE,
    list_id           INTEGER  NOT NULL UNIQUE REFERENCES member_lists (id) ON DELETE CASCADE,
    chat_tg_id        INTEGER  NOT NULL,
    chat_access_hash  INTEGER  NOT NULL DEFAULT 0,
    chat_kind         TEXT     NOT NULL CHECK (chat_kind IN ('group', 'supergroup', 'channel')),
    chat_title        TEXT     NOT NULL,
    chat_username     TEXT     NOT NULL DEFAULT '',
    search            TEXT     NOT NULL DEFAULT '',
    status            TEXT     NOT NULL CHECK (status IN ('queued', 'running', 'waiting', 'completed', 'failed', 'cancelled')),
    phase             TEXT     NOT NULL DEFAULT '',
    phase_offset      INTEGER  NOT NULL DEFAULT 0,
    fetched           INTEGER  NOT NULL DEFAULT 0,
    total             INTEGER  NOT NULL DEFAULT 0,
    partial           BOOLEAN  NOT NULL DEFAULT FALSE,
    cap_count         INTEGER  NOT NULL DEFAULT 0,
    members_hidden    BOOLEAN  NOT NULL DEFAULT FALSE,
    notice            TEXT     NOT NULL DEFAULT '',
    error_code        TEXT     NOT NULL DEFAULT '',
    error_message     TEXT     NOT NULL DEFAULT '',
    error_hint        TEXT     NOT NULL DEFAULT '',
    wait_until        DATETIME,
    run_token         TEXT     NOT NULL DEFAULT '',
    run_started_at    DATETIME,
    run_start_fetched INTEGER  NOT NULL DEFAULT 0,
    job_id            INTEGER,
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL,
    finished_at       DATETIME
);
CREATE INDEX extractions_user ON extractions (user_id, id);

-- One row per member of a list. account_id and access_hash say which
-- account saw the user (access hashes are per account). search_text,
-- sort_name and seen_rank are derived in Go: SQLite's lower() knows only
-- ASCII, and last-seen buckets need a comparable value.
CREATE TABLE members (
    id          INTEGER  PRIMARY KEY AUTOINCREMENT,
    list_id     INTEGER  NOT NULL REFERENCES member_lists (id) ON DELETE CASCADE,
    account_id  INTEGER  NOT NULL REFERENCES telegram_accounts (id) ON DELETE CASCADE,
    tg_user_id  INTEGER  NOT NULL,
    access_hash INTEGER  NOT NULL DEFAULT 0,
    username    TEXT     NOT NULL DEFAULT '',
    usernames   TEXT     NOT NULL DEFAULT '',
    first_name  TEXT     NOT NULL DEFAULT '',
    last_name   TEXT     NOT NULL DEFAULT '',
    phone       TEXT     NOT NULL DEFAULT '',
    bot         BOOLEAN  NOT NULL DEFAULT FALSE,
    deleted     BOOLEAN  NOT NULL DEFAULT FALSE,
    premium     BOOLEAN  NOT NULL DEFAULT FALSE,
    verified    BOOLEAN  NOT NULL DEFAULT FALSE,
    scam        BOOLEAN  NOT NULL DEFAULT FALSE,
    fake        BOOLEAN  NOT NULL DEFAULT FALSE,
    last_seen   TEXT     NOT NULL CHECK (last_seen IN ('online', 'recently', 'last_week', 'last_month', 'long_ago', 'hidden')),
    last_seen_at DATETIME,
    seen_rank   INTEGER  NOT NULL DEFAULT 0,
    role        TEXT     NOT NULL CHECK (role IN ('member', 'admin', 'creator')),
    joined_at   DATETIME,
    search_text TEXT     NOT NULL DEFAULT '',
    sort_name   TEXT     NOT NULL DEFAULT '',
    fetched_at  DATETIME NOT NULL
);
CREATE UNIQUE INDEX members_list_user ON members (list_id, tg_user_id);
CREATE INDEX members_account_user ON members (account_id, tg_user_id);

-- +goose Down
DROP TABLE members;
DROP TABLE extractions;
DROP TABLE member_lists;
DROP TABLE account_chats;
