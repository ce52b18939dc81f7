-- Incoming media in the inbox (issue 20). A message keeps the MIME type
-- and file name Telegram gave its photo or file; the file itself is not
-- kept with it (its file reference expires): the first view fetches the
-- message again for a fresh one and downloads the file into
-- inbox_media_cache, chunked like media_files (store.MediaChunkSize), one
-- entry per message and size ("thumb" or "full"). The cache has a total
-- size cap; the entries used least recently go first. While its chunks are
-- being written an entry is incomplete, invisible, and outside the unique
-- index, so two first views racing each write their own and one stays.
-- Keep in step with ../postgres/00040_inbox_media.sql (TestMigrationsInStep).

-- +goose Up
ALTER TABLE inbox_messages ADD COLUMN media_mime TEXT NOT NULL DEFAULT '';
ALTER TABLE inbox_messages ADD COLUMN media_file_name TEXT NOT NULL DEFAULT '';

CREATE TABLE inbox_media_cache (
    id           INTEGER     PRIMARY KEY AUTOINCREMENT,
    message_id   INTEGER     NOT NULL REFERENCES inbox_messages (id) ON DELETE CASCADE,
    variant      TEXT        NOT NULL CHECK (variant IN ('thumb', 'full')),
    size         INTEGER     NOT NULL DEFAULT 0,
    mime_type    TEXT        NOT NULL DEFAULT '',
    complete     BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at   DATETIME    NOT NULL,
    last_used_at DATETIME    NOT NULL
);
CREATE UNIQUE INDEX inbox_media_cache_message ON inbox_media_cache (message_id, variant) WHERE complete;
CREATE INDEX inbox_media_cache_used ON inbox_media_cache (last_used_at);

CREATE TABLE inbox_media_chunks (
    entry_id INTEGER NOT NULL REFERENCES inbox_media_cache (id) ON DELETE CASCADE,
    idx      INTEGER NOT NULL,
    data     BLOB   NOT NULL,
    PRIMARY KEY (entry_id, idx)
);

-- +goose Down
DROP TABLE inbox_media_chunks;
DROP TABLE inbox_media_cache;
ALTER TABLE inbox_messages DROP COLUMN media_file_name;
ALTER TABLE inbox_messages DROP COLUMN media_mime;
