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

-- name: TouchMediaFileBySHA256 :one
-- The bytes stored again: the file is as new to the prune of unused files
-- (DeleteUnusedMediaFiles), in the same statement that finds it, so the
-- prune cannot take it between the look-up and its use.
UPDATE media_files SET created_at = sqlc.arg(now)
WHERE user_id = sqlc.arg(user_id) AND sha256 = sqlc.arg(sha256) AND complete = TRUE
RETURNING id, user_id, sha256, size, mime_type, type, file_name, created_at;

-- name: DeleteUnusedMediaFiles :execrows
-- Complete files no campaign or answer attaches, stored before before:
-- attached in an editor and abandoned, or left by campaigns deleted since.
DELETE FROM media_files WHERE media_files.complete = TRUE AND media_files.created_at < sqlc.arg(before)
  AND NOT EXISTS (SELECT 1 FROM campaign_media cm WHERE cm.file_id = media_files.id)
  AND NOT EXISTS (SELECT 1 FROM inbox_messages m WHERE m.media_file_id = media_files.id);

-- name: DeleteMediaFileIfUnused :execrows
DELETE FROM media_files WHERE media_files.id = sqlc.arg(id)
  AND NOT EXISTS (SELECT 1 FROM campaign_media cm WHERE cm.file_id = media_files.id)
  AND NOT EXISTS (SELECT 1 FROM inbox_messages m WHERE m.media_file_id = media_files.id);

-- name: FilesOfFinishedCampaigns :many
-- The files of the campaigns PruneFinishedCampaigns may delete next.
SELECT DISTINCT cm.file_id FROM campaign_media cm JOIN campaigns c ON c.id = cm.campaign_id
WHERE c.status IN ('completed', 'cancelled') AND c.finished_at < sqlc.arg(before)
  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = c.id);

-- name: FilesOfPrunedCampaigns :many
-- The files of the campaigns DeletePrunedCampaigns may delete next.
SELECT DISTINCT cm.file_id FROM campaign_media cm JOIN campaigns c ON c.id = cm.campaign_id
WHERE c.status = 'cancelled' AND c.pause_reason = sqlc.arg(reason)
  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = c.id);

-- name: SaveMediaUploadProgress :exec
INSERT INTO media_upload_progress (account_id, file_id, upload_id, big, parts, updated_at)
VALUES (sqlc.arg(account_id), sqlc.arg(file_id), sqlc.arg(upload_id), sqlc.arg(big), sqlc.arg(parts), sqlc.arg(updated_at))
ON CONFLICT (account_id, file_id) DO UPDATE SET
    upload_id = excluded.upload_id, big = excluded.big, parts = excluded.parts, updated_at = excluded.updated_at;

-- name: MediaUploadProgress :one
SELECT account_id, file_id, upload_id, big, parts, updated_at FROM media_upload_progress
WHERE account_id = sqlc.arg(account_id) AND file_id = sqlc.arg(file_id);

-- name: DeleteMediaUploadProgress :exec
DELETE FROM media_upload_progress WHERE account_id = sqlc.arg(account_id) AND file_id = sqlc.arg(file_id);
