-- Workspaces (issue 19): what used to belong to one login now belongs to a
-- workspace that several people share, each with a role.
--
-- Every existing user gets a workspace WITH THE SAME ID as the user, the
-- user as its owner. So every row keyed by user_id is already keyed by its
-- workspace: nothing moves, nothing is lost, and a newly signed-up person
-- (who gets a workspace of their own) sees none of it.
--
-- From here on, on the owned tables (telegram_accounts, pending_logins,
-- account_activity, account_calls, member_lists, extractions, campaigns,
-- suppressions, conversations, webhook_endpoints, webhook_deliveries; and
-- the unreferenced deliveries.user_id, inbox_messages.user_id) the column
-- user_id HOLDS THE OWNING WORKSPACE'S ID. It keeps its name until the
-- store is reshaped (issue 24); its foreign key now points at workspaces,
-- since a workspace created later need not share an id with any user.
-- api_tokens, web_sessions and login_devices keep user_id as the person.
--
-- SQLite cannot alter a foreign key in place; rebuilding eleven tables and
-- their indexes is where mistakes hide, so the references are rewritten in
-- sqlite_schema, the procedure SQLite documents for changes that leave the
-- stored rows as they are (the column, its type and its values do not
-- change). writable_schema=RESET reloads the schema on this connection;
-- the DDL around it bumps the schema cookie so other connections reload.
-- Keep in step with ../postgres/00029_workspaces.sql (TestMigrationsInStep).

-- +goose Up
CREATE TABLE workspaces (
    id         INTEGER  PRIMARY KEY AUTOINCREMENT,
    name       TEXT     NOT NULL,
    created_at DATETIME NOT NULL
);

CREATE TABLE workspace_members (
    workspace_id INTEGER  NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id      INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         TEXT     NOT NULL CHECK (role IN ('owner', 'admin', 'operator', 'viewer')),
    created_at   DATETIME NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX workspace_members_user ON workspace_members (user_id);
-- At most one owner per workspace; the domain moves ownership in one
-- transaction (demote, then promote), so there is always exactly one.
CREATE UNIQUE INDEX workspace_members_one_owner ON workspace_members (workspace_id) WHERE role = 'owner';

INSERT INTO workspaces (id, name, created_at)
SELECT id, email || '''s workspace', created_at FROM users;
INSERT INTO workspace_members (workspace_id, user_id, role, created_at)
SELECT id, id, 'owner', created_at FROM users;

PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, 'REFERENCES users (id)', 'REFERENCES workspaces (id)')
WHERE type = 'table' AND name IN ('telegram_accounts', 'pending_logins', 'account_activity', 'account_calls',
    'member_lists', 'extractions', 'campaigns', 'suppressions', 'conversations', 'webhook_endpoints', 'webhook_deliveries');
PRAGMA writable_schema = RESET;

-- A token belongs to a member of one workspace and acts with that
-- member's role, or read-only when chosen at creation.
ALTER TABLE api_tokens ADD COLUMN workspace_id INTEGER REFERENCES workspaces (id) ON DELETE CASCADE;
ALTER TABLE api_tokens ADD COLUMN read_only BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE api_tokens SET workspace_id = user_id;
CREATE INDEX api_tokens_workspace ON api_tokens (workspace_id, user_id);

-- An account's activity names who did it: the person, now that user_id is
-- the workspace. Before, the owner was the only person there was.
ALTER TABLE account_activity ADD COLUMN by_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL;
UPDATE account_activity SET by_user_id = user_id;

-- +goose Down
ALTER TABLE account_activity DROP COLUMN by_user_id;
DROP INDEX api_tokens_workspace;
ALTER TABLE api_tokens DROP COLUMN read_only;
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, 'REFERENCES workspaces (id)', 'REFERENCES users (id)')
WHERE type = 'table' AND name IN ('telegram_accounts', 'pending_logins', 'account_activity', 'account_calls',
    'member_lists', 'extractions', 'campaigns', 'suppressions', 'conversations', 'webhook_endpoints', 'webhook_deliveries');
PRAGMA writable_schema = RESET;
ALTER TABLE api_tokens DROP COLUMN workspace_id;
DROP TABLE workspace_members;
DROP TABLE workspaces;
