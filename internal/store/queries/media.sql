-- name: CreateMediaFile :one
-- A file being written: no sha256 yet, not complete.
INSERT INTO media_files (user_id, mime_type, type, file_name, created_at)
VALUES (sqlc.arg(user_id), sqlc.arg(mime_type), sqlc.arg(type), sqlc.arg(file_name), sqlc.arg(created_at))
RETURNING id;

-- name: PutMediaChunk :exec
INSERT INTO media_chunks (file_id, idx, data) VALUES (sqlc.arg(file_id), sqlc.arg(idx), sqlc.arg(data));

-- name: CompleteMediaFile :execrows
UPDATE media_files SET sha256 = sqlc.arg(sha256), size = sqlc.arg(size), complete = TRUE
WHERE id = sqlc.arg(id) AND complete = FALSE;

-- name: MediaFileBySHA256 :one
SELECT id, user_id, sha256, size, mime_type, type, file_name, created_at FROM media_files
WHERE user_id = sqlc.arg(user_id) AND sha256 = sqlc.arg(sha256) AND complete = TRUE;

-- name: MediaFile :one
SELECT id, user_id, sha256, size, mime_type, type, file_name, created_at FROM media_files
WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id) AND complete = TRUE;

-- name: MediaChunk :one
SELECT data FROM media_chunks WHERE file_id = sqlc.arg(file_id) AND idx = sqlc.arg(idx);

-- name: MediaUsage :one
SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS used FROM media_files
WHERE user_id = sqlc.arg(user_id) AND complete = TRUE;

-- name: DeleteMediaFile :execrows
-- Its chunks and uploads go with it (ON DELETE CASCADE).
DELETE FROM media_files WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id);

-- name: DeleteIncompleteMediaFiles :execrows
-- Files a crashed or abandoned upload left half written.
DELETE FROM media_files WHERE complete = FALSE AND created_at < sqlc.arg(before);

-- name: SaveMediaUpload :exec
INSERT INTO media_uploads (account_id, file_id, kind, telegram_id, access_hash, file_reference, refreshed_at)
VALUES (sqlc.arg(account_id), sqlc.arg(file_id), sqlc.arg(kind), sqlc.arg(telegram_id), sqlc.arg(access_hash), sqlc.arg(file_reference), sqlc.arg(refreshed_at))
ON CONFLICT (account_id, file_id) DO UPDATE SET
    kind = excluded.kind, telegram_id = excluded.telegram_id, access_hash = excluded.access_hash,
    file_reference = excluded.file_reference, refreshed_at = excluded.refreshed_at;

-- name: MediaUpload :one
SELECT account_id, file_id, kind, telegram_id, access_hash, file_reference, refreshed_at FROM media_uploads
WHERE account_id = sqlc.arg(account_id) AND file_id = sqlc.arg(file_id);
