-- Waits per kind of call (issue 17): Telegram's FLOOD_WAIT applies to the
-- method it answered, so a wait on reading members, on resolving usernames
-- or on the account's own calls (chat list, sessions) is kept here, each
-- kind with its own end, and stops only calls of its kind. A wait on
-- sending stays the account's status (flood_wait, flood_until), which the
-- pages, the API and the health gauge already show.
-- Keep in step with ../sqlite/00026_account_waits.sql (TestMigrationsInStep).

-- +goose Up
CREATE TABLE account_waits (
    account_id BIGINT      NOT NULL REFERENCES telegram_accounts (id) ON DELETE CASCADE,
    kind       TEXT        NOT NULL,
    wait_until TIMESTAMPTZ NOT NULL,
    -- What Telegram said, e.g. FLOOD_WAIT_30 on channels.getParticipants.
    detail     TEXT        NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, kind)
);

-- +goose Down
DROP TABLE account_waits;
