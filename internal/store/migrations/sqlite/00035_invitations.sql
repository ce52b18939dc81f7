-- Invitations to a workspace (issue 19): an admin invites an email with a
-- role; the link carries a random token of which only the SHA-256 hash is
-- kept, so a copy of the database cannot be used to join. An invitation is
-- pending until it is accepted, revoked or past expires_at; each of those
-- is a column, so the members page and the audit can tell which.
-- invited_by and accepted_by outlive their user as NULL.
-- Keep in step with ../postgres/00035_invitations.sql (TestMigrationsInStep).

-- +goose Up
CREATE TABLE workspace_invitations (
    id           INTEGER  PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER  NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    email        TEXT     NOT NULL,
    role         TEXT     NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    token_hash   BLOB     NOT NULL UNIQUE,
    invited_by   INTEGER  REFERENCES users (id) ON DELETE SET NULL,
    created_at   DATETIME NOT NULL,
    expires_at   DATETIME NOT NULL,
    accepted_at  DATETIME,
    accepted_by  INTEGER  REFERENCES users (id) ON DELETE SET NULL,
    revoked_at   DATETIME
);
CREATE INDEX workspace_invitations_workspace ON workspace_invitations (workspace_id, email);

-- +goose Down
DROP TABLE workspace_invitations;
