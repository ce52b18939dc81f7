-- Media files (issue 20): attachments live in the database, cut into chunks
-- (store.MediaChunkSize), so every node can send them and none holds a
-- whole file in memory. A file is content-addressed within its workspace
-- (user_id holds the workspace id): the same bytes stored twice are one
-- row. While its chunks are being written a file has no sha256 (NULL,
-- which the unique index lets repeat) and complete = 0; it neither counts
-- towards usage nor can be opened until the last chunk is in.
-- media_uploads remembers, per sending account, the photo or document
-- Telegram made of a file, so each account uploads a file once.
-- Keep in step with ../postgres/00038_media.sql (TestMigrationsInStep).

-- +goose Up
CREATE TABLE media_files (
    id         INTEGER  PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER  NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    sha256     BLOB,
    size       INTEGER  NOT NULL DEFAULT 0,
    mime_type  TEXT     NOT NULL,
    type       TEXT     NOT NULL CHECK (type IN ('photo', 'video', 'document', 'voice')),
    file_name  TEXT     NOT NULL,
    complete   BOOLEAN  NOT NULL DEFAULT FALSE,
    created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX media_files_sha256 ON media_files (user_id, sha256);

CREATE TABLE media_chunks (
    file_id INTEGER NOT NULL REFERENCES media_files (id) ON DELETE CASCADE,
    idx     INTEGER NOT NULL,
    data    BLOB    NOT NULL,
    PRIMARY KEY (file_id, idx)
);

CREATE TABLE media_uploads (
    account_id     INTEGER  NOT NULL REFERENCES telegram_accounts (id) ON DELETE CASCADE,
    file_id        INTEGER  NOT NULL REFERENCES media_files (id) ON DELETE CASCADE,
    kind           TEXT     NOT NULL CHECK (kind IN ('photo', 'document')),
    telegram_id    INTEGER  NOT NULL,
    access_hash    INTEGER  NOT NULL,
    file_reference BLOB     NOT NULL,
    refreshed_at   DATETIME NOT NULL,
    PRIMARY KEY (account_id, file_id)
);
CREATE INDEX media_uploads_file ON media_uploads (file_id);

-- +goose Down
DROP TABLE media_uploads;
DROP TABLE media_chunks;
DROP TABLE media_files;
