-- A person's request on a node that does not hold the account (issue 17):
-- the Telegram call is written here, the holding node makes it on the
-- account's live connection and writes the answer back. On PostgreSQL the
-- holder is woken by NOTIFY; on SQLite there is one node, which never
-- needs this. Rows are kept a while for the record, then forgotten.
-- Keep in step with ../postgres/00027_account_calls.sql (TestMigrationsInStep).

-- +goose Up
CREATE TABLE account_calls (
    id             INTEGER  PRIMARY KEY,
    account_id     INTEGER  NOT NULL REFERENCES telegram_accounts (id) ON DELETE CASCADE,
    -- The account's owner, whose call it is.
    user_id        INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The node asked to make the call: the lease holder when it was written.
    node           TEXT     NOT NULL,
    -- queued, then taken (by the holder) and done; or cancelled by the
    -- node that wrote it (it gave up, or took the account itself).
    state          TEXT     NOT NULL DEFAULT 'queued',
    -- The call as sent to Telegram (TL), and its answer.
    body           BLOB     NOT NULL,
    flood_wait_max_ms INTEGER NOT NULL,
    result         BLOB,
    -- Telegram's error (code > 0), or the holder's own (code 0, text set).
    error_code     INTEGER  NOT NULL DEFAULT 0,
    error_text     TEXT     NOT NULL DEFAULT '',
    created_at     DATETIME NOT NULL,
    done_at        DATETIME
);
CREATE INDEX account_calls_node ON account_calls (node, state);
CREATE INDEX account_calls_created ON account_calls (created_at);

-- +goose Down
DROP TABLE account_calls;
