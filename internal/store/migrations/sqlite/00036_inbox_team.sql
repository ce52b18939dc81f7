-- The inbox for a team (issue 19): a conversation may be assigned to a
-- member of its workspace, each answer names the person who wrote it,
-- and members leave internal notes in a thread that never go to Telegram
-- (their own table, so nothing that reads or sends messages can take
-- one for a message). A person's account going away leaves their
-- assignments unassigned and their answers and notes unsigned, not gone.
-- Keep in step with ../postgres/00036_inbox_team.sql (TestMigrationsInStep).

-- +goose Up
ALTER TABLE conversations ADD COLUMN assigned_to INTEGER REFERENCES users (id) ON DELETE SET NULL;
-- "Mine" and "Unassigned" read the list with the same keyset cursor as
-- every other filter.
CREATE INDEX conversations_assigned ON conversations (user_id, assigned_to, last_message_at, id);

ALTER TABLE inbox_messages ADD COLUMN answered_by INTEGER REFERENCES users (id) ON DELETE SET NULL;

CREATE TABLE conversation_notes (
    id              INTEGER     PRIMARY KEY,
    conversation_id INTEGER     NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    -- The workspace, as on conversations.
    user_id         INTEGER     NOT NULL,
    author_id       INTEGER     REFERENCES users (id) ON DELETE SET NULL,
    text            TEXT        NOT NULL,
    created_at      DATETIME    NOT NULL
);
CREATE INDEX conversation_notes_thread ON conversation_notes (conversation_id, created_at, id);

-- +goose Down
DROP TABLE conversation_notes;
ALTER TABLE inbox_messages DROP COLUMN answered_by;
DROP INDEX conversations_assigned;
ALTER TABLE conversations DROP COLUMN assigned_to;
