-- Several nodes on one database (issue 12): the nodes that run, and which
-- node holds each Telegram account. Keep in step with
-- ../postgres/00008_leases.sql (TestMigrationsInStep).
--
-- Unlike every other table, seen_at and expires_at are written from the
-- DATABASE's clock (strftime(..., 'now')), never from a node's: expiry is
-- decided by one clock, so a node whose clock is off cannot think a lease
-- still its own or another node's already free.

-- +goose Up
CREATE TABLE nodes (
    id         TEXT        PRIMARY KEY,
    started_at DATETIME    NOT NULL,
    seen_at    DATETIME    NOT NULL
);

-- One row per account ever held: releasing a lease expires it but keeps
-- the row, so token (the fencing counter) only grows.
CREATE TABLE account_leases (
    account_id INTEGER     PRIMARY KEY REFERENCES telegram_accounts (id) ON DELETE CASCADE,
    holder     TEXT        NOT NULL,
    token      INTEGER     NOT NULL,
    expires_at DATETIME    NOT NULL,
    -- When another node last asked for the account (NULL: nobody since
    -- this token): a holder whose uses may give way (the inbox's
    -- listener) gives it up at its next renewal.
    wanted_at  DATETIME   
);
CREATE INDEX account_leases_holder ON account_leases (holder);

-- +goose Down
DROP TABLE account_leases;
DROP TABLE nodes;
