-- Webhooks (issue 13): a user's endpoints, each with a secret that signs
-- what is sent to it, and one delivery row per event and endpoint. The
-- delivery row is written in the transaction of what it tells about (or
-- right after it), with its River job, so an event survives a restart;
-- its state says whether it was delivered, so it is not sent twice.
-- Keep in step with ../postgres/00010_webhooks.sql (TestMigrationsInStep).

-- +goose Up
CREATE TABLE webhook_endpoints (
    id            INTEGER  PRIMARY KEY,
    user_id       INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    url           TEXT     NOT NULL,
    -- secrets.Keyring output, bound to the user (see internal/webhook).
    secret_sealed BLOB     NOT NULL,
    -- The event types sent, comma-separated.
    events        TEXT     NOT NULL,
    created_at    DATETIME NOT NULL,
    -- Set when the user deletes the endpoint: nothing more is sent to it,
    -- and its waiting deliveries end as failed.
    disabled_at   DATETIME
);
CREATE INDEX webhook_endpoints_user ON webhook_endpoints (user_id, id);

CREATE TABLE webhook_deliveries (
    id              INTEGER  PRIMARY KEY,
    endpoint_id     INTEGER  NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    user_id         INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event_id        TEXT     NOT NULL,
    event_type      TEXT     NOT NULL,
    body            TEXT     NOT NULL,
    -- pending, delivered or failed.
    state           TEXT     NOT NULL,
    attempts        INTEGER  NOT NULL DEFAULT 0,
    last_status     INTEGER  NOT NULL DEFAULT 0,
    last_error      TEXT     NOT NULL DEFAULT '',
    next_attempt_at DATETIME NOT NULL,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    finished_at     DATETIME
);
CREATE UNIQUE INDEX webhook_deliveries_event ON webhook_deliveries (endpoint_id, event_id);
-- An endpoint's recent deliveries, newest first.
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
