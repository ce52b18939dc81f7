-- Inbox answers with a file (issue 20): an answer may attach a stored
-- file of its workspace (media_files), sent with the answer's text as its
-- caption. The file's type and size go in media_type and media_size as
-- for any message; its name is the file's. A file an answer carries
-- cannot be deleted from under it (no ON DELETE action).
-- Keep in step with ../sqlite/00041_answer_media.sql (TestMigrationsInStep).

-- +goose Up
ALTER TABLE inbox_messages ADD COLUMN media_file_id BIGINT REFERENCES media_files (id);
CREATE INDEX inbox_messages_media_file ON inbox_messages (media_file_id) WHERE media_file_id IS NOT NULL;

-- +goose Down
DROP INDEX inbox_messages_media_file;
ALTER TABLE inbox_messages DROP COLUMN media_file_id;
