-- The audit log (issue 19): who did what in a workspace, when and from
-- which address. Append-only: the store has an insert and paged reads,
-- retention never touches it, and the triggers refuse an UPDATE or DELETE
-- from anywhere else. workspace_id has no foreign key: the log outlives
-- what it tells about (and, today, a workspace's id is its owner's user
-- id). actor_user_id is NULL for background work; actor_email is kept as
-- it was when the event was written.
-- Keep in step with ../postgres/00033_audit.sql (TestMigrationsInStep).

-- +goose Up
CREATE TABLE audit_events (
    id            INTEGER  PRIMARY KEY,
    workspace_id  INTEGER  NOT NULL,
    actor_user_id INTEGER,
    actor_email   TEXT     NOT NULL DEFAULT '',
    -- snake_case: "signed_in", "campaign_started", …
    action        TEXT     NOT NULL,
    -- What it acted on: "account", "campaign", … with its id and a name
    -- a person recognises, kept as it was.
    target_kind   TEXT     NOT NULL DEFAULT '',
    target_id     INTEGER  NOT NULL DEFAULT 0,
    target_label  TEXT     NOT NULL DEFAULT '',
    detail        TEXT     NOT NULL DEFAULT '',
    ip            TEXT     NOT NULL DEFAULT '',
    created_at    DATETIME NOT NULL
);
-- A workspace's log newest first, whole or by action, person or target.
CREATE INDEX audit_events_workspace ON audit_events (workspace_id, id);
CREATE INDEX audit_events_action ON audit_events (workspace_id, action, id);
CREATE INDEX audit_events_actor ON audit_events (workspace_id, actor_user_id, id);
CREATE INDEX audit_events_target ON audit_events (workspace_id, target_kind, target_id, id);

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_events_no_delete;
DROP TRIGGER audit_events_no_update;
DROP TABLE audit_events;
