-- The inbox's cache of incoming media (issue 20): files fetched from
-- Telegram on first view, kept chunked, evicted least recently used first.

-- name: CreateInboxMediaEntry :one
-- An entry being written: not complete, so not found and not counted.
INSERT INTO inbox_media_cache (message_id, variant, mime_type, created_at, last_used_at)
VALUES (sqlc.arg(message_id), sqlc.arg(variant), sqlc.arg(mime_type), sqlc.arg(now), sqlc.arg(now))
RETURNING id;

-- name: PutInboxMediaChunk :exec
INSERT INTO inbox_media_chunks (entry_id, idx, data) VALUES (sqlc.arg(entry_id), sqlc.arg(idx), sqlc.arg(data));

-- name: CompleteInboxMediaEntry :execrows
UPDATE inbox_media_cache SET size = sqlc.arg(size), mime_type = sqlc.arg(mime_type), complete = TRUE
WHERE id = sqlc.arg(id) AND complete = FALSE;

-- name: InboxMediaEntry :one
SELECT id, message_id, variant, size, mime_type, last_used_at FROM inbox_media_cache
WHERE message_id = sqlc.arg(message_id) AND variant = sqlc.arg(variant) AND complete = TRUE;

-- name: TouchInboxMediaEntry :exec
UPDATE inbox_media_cache SET last_used_at = sqlc.arg(now) WHERE id = sqlc.arg(id);

-- name: InboxMediaChunk :one
SELECT data FROM inbox_media_chunks WHERE entry_id = sqlc.arg(entry_id) AND idx = sqlc.arg(idx);

-- name: InboxMediaCacheSize :one
SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS used FROM inbox_media_cache WHERE complete = TRUE;

-- name: LeastUsedInboxMediaEntry :one
-- The entry to evict first: used least recently, never the one kept.
SELECT id, size FROM inbox_media_cache WHERE complete = TRUE AND id <> sqlc.arg(keep)
ORDER BY last_used_at, id LIMIT 1;

-- name: DeleteInboxMediaEntry :execrows
-- Its chunks go with it (ON DELETE CASCADE).
DELETE FROM inbox_media_cache WHERE id = sqlc.arg(id);

-- name: DeleteIncompleteInboxMedia :execrows
-- Entries a crashed or abandoned fetch left half written.
DELETE FROM inbox_media_cache WHERE complete = FALSE AND created_at < sqlc.arg(before);
