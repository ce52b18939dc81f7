-- name: UpsertAccountChat :exec
INSERT INTO account_chats (
    account_id, tg_chat_id, access_hash, kind, title, username, members_count,
    is_admin, is_creator, members_hidden, refreshed_at
) VALUES (
    sqlc.arg(account_id), sqlc.arg(tg_chat_id), sqlc.arg(access_hash), sqlc.arg(kind), sqlc.arg(title),
    sqlc.arg(username), sqlc.arg(members_count), sqlc.arg(is_admin), sqlc.arg(is_creator),
    sqlc.arg(members_hidden), sqlc.arg(refreshed_at)
)
ON CONFLICT (account_id, tg_chat_id) DO UPDATE SET
    access_hash = excluded.access_hash,
    kind = excluded.kind,
    title = excluded.title,
    username = excluded.username,
    members_count = excluded.members_count,
    is_admin = excluded.is_admin,
    is_creator = excluded.is_creator,
    members_hidden = excluded.members_hidden,
    refreshed_at = excluded.refreshed_at;

-- name: DeleteStaleAccountChats :execrows
-- The chats a refresh did not see any more (the account left them).
DELETE FROM account_chats WHERE account_id = sqlc.arg(account_id) AND refreshed_at < sqlc.arg(refreshed_at);

-- name: ListAccountChats :many
SELECT c.* FROM account_chats c JOIN telegram_accounts a ON a.id = c.account_id
WHERE a.user_id = sqlc.arg(user_id) AND c.account_id = sqlc.arg(account_id)
ORDER BY c.members_count DESC, c.id;

-- name: AccountChatByTGID :one
SELECT c.* FROM account_chats c JOIN telegram_accounts a ON a.id = c.account_id
WHERE a.user_id = sqlc.arg(user_id) AND c.account_id = sqlc.arg(account_id) AND c.tg_chat_id = sqlc.arg(tg_chat_id);

-- name: CreateMemberList :one
INSERT INTO member_lists (user_id, name, source, member_count, created_at, updated_at)
VALUES (sqlc.arg(user_id), sqlc.arg(name), sqlc.arg(source), 0, sqlc.arg(now), sqlc.arg(now))
RETURNING *;

-- name: MemberListByID :one
SELECT * FROM member_lists WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id);

-- name: ListMemberLists :many
SELECT * FROM member_lists WHERE user_id = sqlc.arg(user_id) ORDER BY id DESC;

-- name: SetMemberListCount :exec
UPDATE member_lists SET member_count = sqlc.arg(member_count), updated_at = sqlc.arg(now) WHERE id = sqlc.arg(id);

-- name: RenameMemberList :execrows
UPDATE member_lists SET name = sqlc.arg(name), updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id);

-- name: DeleteMemberList :execrows
DELETE FROM member_lists WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id);

-- name: DeleteListMembers :exec
-- Members have no foreign key (see migration 00004): they go with their
-- list, after it, so a page whose save the deletion waited for goes too
-- (see CheckpointExtraction).
DELETE FROM members WHERE list_id = sqlc.arg(list_id);

-- name: CountListMembers :one
SELECT COUNT(*) FROM members WHERE list_id = sqlc.arg(list_id);

-- name: CopyListMembers :execrows
-- Merging: the first list to bring a user wins, duplicates are skipped.
INSERT INTO members (
    list_id, account_id, tg_user_id, access_hash, username, usernames, first_name, last_name, phone,
    bot, deleted, premium, verified, scam, fake, last_seen, last_seen_at, seen_rank, role, joined_at,
    search_text, sort_name, fetched_at
)
SELECT sqlc.arg(to_list_id), m.account_id, m.tg_user_id, m.access_hash, m.username, m.usernames, m.first_name,
    m.last_name, m.phone, m.bot, m.deleted, m.premium, m.verified, m.scam, m.fake, m.last_seen, m.last_seen_at,
    m.seen_rank, m.role, m.joined_at, m.search_text, m.sort_name, m.fetched_at
FROM members m WHERE m.list_id = sqlc.arg(from_list_id)
ORDER BY m.id
ON CONFLICT (list_id, tg_user_id) DO NOTHING;

-- name: PeerAccessHash :one
-- The newest access hash an account was given for a user, found through
-- the lists of the account's owner and (list_id, tg_user_id).
SELECT m.access_hash FROM members m
WHERE m.tg_user_id = sqlc.arg(tg_user_id) AND m.account_id = sqlc.arg(account_id)
  AND m.list_id IN (
    SELECT l.id FROM member_lists l
    JOIN telegram_accounts a ON a.user_id = l.user_id
    WHERE a.id = sqlc.arg(account_id)
  )
ORDER BY m.id DESC
LIMIT 1;

-- name: CreateExtraction :one
INSERT INTO extractions (
    user_id, account_id, list_id, chat_tg_id, chat_access_hash, chat_kind, chat_title, chat_username,
    search, status, created_at, updated_at
) VALUES (
    sqlc.arg(user_id), sqlc.arg(account_id), sqlc.arg(list_id), sqlc.arg(chat_tg_id), sqlc.arg(chat_access_hash),
    sqlc.arg(chat_kind), sqlc.arg(chat_title), sqlc.arg(chat_username), sqlc.arg(search), 'queued',
    sqlc.arg(now), sqlc.arg(now)
)
RETURNING *;

-- name: SetExtractionJob :execrows
UPDATE extractions SET job_id = sqlc.arg(job_id) WHERE id = sqlc.arg(id);

-- name: ExtractionByID :one
SELECT * FROM extractions WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id);

-- name: ExtractionForWork :one
SELECT * FROM extractions WHERE id = sqlc.arg(id);

-- name: ExtractionByListID :one
SELECT * FROM extractions WHERE list_id = sqlc.arg(list_id) AND user_id = sqlc.arg(user_id);

-- name: ListExtractions :many
SELECT * FROM extractions WHERE user_id = sqlc.arg(user_id)
ORDER BY id DESC
LIMIT CAST(sqlc.arg(max_rows) AS BIGINT);

-- name: StartExtractionRun :one
-- A run takes over the extraction: later checkpoints must carry its token.
UPDATE extractions SET
    status = 'running',
    run_token = sqlc.arg(run_token),
    run_started_at = sqlc.arg(now),
    run_start_fetched = fetched,
    wait_until = NULL,
    updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND status IN ('queued', 'running', 'waiting')
RETURNING *;

-- name: CheckpointExtraction :one
-- Runs in the transaction that inserted the page's members. Members have
-- no foreign key (migration 00004); this write is what keeps them from
-- outliving their list: it finds no row if the list (and with it the
-- extraction) was deleted first, which rolls the page back, and otherwise
-- it locks the row until commit, so a deletion waits and then removes the
-- page's members too (DeleteMemberList deletes them after the list).
UPDATE extractions SET
    phase = sqlc.arg(phase),
    phase_offset = sqlc.arg(phase_offset),
    fetched = fetched + sqlc.arg(added),
    total = sqlc.arg(total),
    partial = sqlc.arg(partial),
    cap_count = sqlc.arg(cap_count),
    members_hidden = sqlc.arg(members_hidden),
    notice = sqlc.arg(notice),
    updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND run_token = sqlc.arg(run_token) AND status = 'running'
RETURNING fetched;

-- name: SetExtractionWaiting :execrows
UPDATE extractions SET status = 'waiting', wait_until = sqlc.arg(wait_until), updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND run_token = sqlc.arg(run_token) AND status = 'running';

-- name: FinishExtraction :execrows
UPDATE extractions SET
    status = sqlc.arg(status),
    error_code = sqlc.arg(error_code),
    error_message = sqlc.arg(error_message),
    error_hint = sqlc.arg(error_hint),
    wait_until = NULL,
    finished_at = sqlc.arg(now),
    updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND run_token = sqlc.arg(run_token) AND status IN ('running', 'waiting');

-- name: CancelExtraction :one
UPDATE extractions SET status = 'cancelled', wait_until = NULL, finished_at = sqlc.arg(now), updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id) AND status IN ('queued', 'running', 'waiting')
RETURNING *;

-- name: MemberListsPage :many
SELECT * FROM member_lists WHERE user_id = sqlc.arg(user_id) AND id < sqlc.arg(before_id)
ORDER BY id DESC
LIMIT CAST(sqlc.arg(max_rows) AS BIGINT);

-- name: MemberListCounts :one
-- The dashboard's counts: every list, and those ready to send to (merged,
-- or filled by a finished extraction).
SELECT COUNT(*) AS lists,
  CAST(COALESCE(SUM(CASE WHEN l.source <> 'extraction' OR EXISTS (
    SELECT 1 FROM extractions x WHERE x.list_id = l.id AND x.status = 'completed') THEN 1 ELSE 0 END), 0) AS BIGINT) AS ready
FROM member_lists l WHERE l.user_id = sqlc.arg(user_id);
