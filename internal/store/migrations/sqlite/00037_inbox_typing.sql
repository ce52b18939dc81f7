-- "Ann is replying…" (issue 19): who is typing an answer in which
-- conversation, until when. A short-lived presence that every node of a
-- PostgreSQL cluster reads, so a person on one node sees a colleague on
-- another; a row past its time means nothing and is overwritten by the
-- next keystroke or removed when the answer is sent.
-- Keep in step with ../postgres/00037_inbox_typing.sql (TestMigrationsInStep).

-- +goose Up
CREATE TABLE inbox_typing (
    conversation_id INTEGER      NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    person_id       INTEGER      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The workspace, as on conversations, for a node's poll of changes.
    user_id         INTEGER      NOT NULL,
    typed_at        DATETIME    NOT NULL,
    PRIMARY KEY (conversation_id, person_id)
);
CREATE INDEX inbox_typing_workspace ON inbox_typing (user_id, typed_at);

-- +goose Down
DROP TABLE inbox_typing;
