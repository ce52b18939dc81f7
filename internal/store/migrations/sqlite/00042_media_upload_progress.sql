-- Uploads in flight (issue 20): while an account uploads a file to
-- Telegram, the parts Telegram has confirmed so far and the file id they
-- went under (the client's own random number, part of the InputFile that
-- names them), so that after a crash or a restart the account goes on
-- from the next part rather than sending the file again. Progress is
-- written every few parts, so a crash repeats at most those. The row goes
-- once the upload is remembered in media_uploads.
-- Keep in step with ../postgres/00042_media_upload_progress.sql (TestMigrationsInStep).

-- +goose Up
CREATE TABLE media_upload_progress (
    account_id INTEGER NOT NULL REFERENCES telegram_accounts (id) ON DELETE CASCADE,
    file_id    INTEGER NOT NULL REFERENCES media_files (id) ON DELETE CASCADE,
    upload_id  INTEGER NOT NULL,
    big        BOOLEAN NOT NULL,
    parts      INTEGER NOT NULL CHECK (parts >= 0),
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (account_id, file_id)
);
CREATE INDEX media_upload_progress_file ON media_upload_progress (file_id);

-- +goose Down
DROP TABLE media_upload_progress;
