-- Members are written a page at a time, and per-row work is what an
-- extraction's time goes to: the foreign keys cost a parent lookup each for
-- every member, and the (account, user) index is one more B-tree per
-- member. Integrity is kept by the store instead: a page's members commit
-- only with the update of their extraction's checkpoint (which fails if
-- the list is gone), and a list's members are deleted after the list
-- (DeleteMemberList). Access
-- hashes are looked up through the account owner's lists and
-- (list_id, tg_user_id). SQLite cannot drop a constraint, so the table is
-- rebuilt (nothing references members).
-- Keep in step with ../postgres/00004_members_bulk.sql (TestMigrationsInStep).

-- +goose Up
CREATE TABLE members_new (
    id          INTEGER  PRIMARY KEY AUTOINCREMENT,
    list_id     INTEGER  NOT NULL,
    account_id  INTEGER  NOT NULL,
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
INSERT INTO members_new (id, list_id, account_id, tg_user_id, access_hash, username, usernames, first_name, last_name, phone, bot, deleted, premium, verified, scam, fake, last_seen, last_seen_at, seen_rank, role, joined_at, search_text, sort_name, fetched_at)
SELECT id, list_id, account_id, tg_user_id, access_hash, username, usernames, first_name, last_name, phone, bot, deleted, premium, verified, scam, fake, last_seen, last_seen_at, seen_rank, role, joined_at, search_text, sort_name, fetched_at FROM members;
DROP TABLE members;
ALTER TABLE members_new RENAME TO members;
CREATE UNIQUE INDEX members_list_user ON members (list_id, tg_user_id);

-- +goose Down
CREATE TABLE members_old (
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
INSERT INTO members_old (id, list_id, account_id, tg_user_id, access_hash, username, usernames, first_name, last_name, phone, bot, deleted, premium, verified, scam, fake, last_seen, last_seen_at, seen_rank, role, joined_at, search_text, sort_name, fetched_at)
SELECT id, list_id, account_id, tg_user_id, access_hash, username, usernames, first_name, last_name, phone, bot, deleted, premium, verified, scam, fake, last_seen, last_seen_at, seen_rank, role, joined_at, search_text, sort_name, fetched_at FROM members WHERE list_id IN (SELECT id FROM member_lists);
DROP TABLE members;
ALTER TABLE members_old RENAME TO members;
CREATE UNIQUE INDEX members_list_user ON members (list_id, tg_user_id);
CREATE INDEX members_account_user ON members (account_id, tg_user_id);
