-- name: ConversationPeersOf :many
SELECT tg_user_id FROM conversations WHERE account_id = sqlc.arg(account_id);

-- The statements of the inbox whose text does not depend on their data;
-- the conversation list's filters and keyset, the joined reads of a
-- conversation or a message, and the notes' page are in
-- sqlstore/inbox_dynamic.go.

-- name: InsertConversation :one
INSERT INTO conversations (user_id, account_id, tg_user_id, access_hash, first_name, last_name, username,
    search_text, last_message_at, status, campaign_id, created_at, updated_at)
VALUES (sqlc.arg(user_id), sqlc.arg(account_id), sqlc.arg(tg_user_id), sqlc.arg(access_hash), sqlc.arg(first_name),
    sqlc.arg(last_name), sqlc.arg(username), sqlc.arg(search_text), sqlc.arg(last_message_at), 'open',
    sqlc.narg(campaign_id), sqlc.arg(now), sqlc.arg(now))
RETURNING id;

-- name: UpdateConversationPeer :exec
UPDATE conversations SET access_hash = sqlc.arg(access_hash), first_name = sqlc.arg(first_name), last_name = sqlc.arg(last_name),
  username = sqlc.arg(username), search_text = sqlc.arg(search_text), campaign_id = sqlc.narg(campaign_id), updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id);

-- name: InsertInboxMessage :one
INSERT INTO inbox_messages (conversation_id, user_id, account_id, tg_message_id, direction, origin, text,
    entities, media_type, media_size, media_mime, media_file_name, sent_at, state, random_id, created_at, updated_at)
VALUES (sqlc.arg(conversation_id), sqlc.arg(user_id), sqlc.arg(account_id), sqlc.arg(tg_message_id), sqlc.arg(direction),
    sqlc.arg(origin), sqlc.arg(text), sqlc.arg(entities), sqlc.arg(media_type), sqlc.arg(media_size), sqlc.arg(media_mime),
    sqlc.arg(media_file_name), sqlc.arg(sent_at),
    sqlc.arg(state), sqlc.arg(random_id), sqlc.arg(now), sqlc.arg(now))
RETURNING id;

-- name: MarkConversationReadOf :execrows
UPDATE conversations SET unread = 0, updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id) AND unread <> 0;

-- name: SetConversationStatusOf :exec
UPDATE conversations SET status = sqlc.arg(status), updated_at = sqlc.arg(now) WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id);

-- name: SetConversationHistoryLoaded :execrows
UPDATE conversations SET history_loaded = TRUE, updated_at = sqlc.arg(now) WHERE id = sqlc.arg(id);

-- name: CountUnreadConversationsOf :one
SELECT COUNT(*) FROM conversations WHERE user_id = sqlc.arg(user_id) AND unread > 0;

-- name: LatestDeliveryToPeer :one
SELECT * FROM deliveries WHERE account_id = sqlc.arg(account_id) AND tg_user_id = sqlc.arg(tg_user_id)
  AND state IN ('sent', 'sending')
ORDER BY id DESC LIMIT 1;

-- name: CountCampaignMessages :one
-- A delivery still sending is the message: its answer, with the id, may
-- come after the update that shows the message.
SELECT COUNT(*) FROM deliveries WHERE account_id = sqlc.arg(account_id) AND tg_user_id = sqlc.arg(tg_user_id)
  AND (message_id = sqlc.arg(message_id) OR state = 'sending');

-- name: InsertAnswer :one
INSERT INTO inbox_messages (conversation_id, user_id, account_id, direction, origin, text, entities, sent_at,
    state, random_id, error_code, error, answered_by, media_file_id, media_type, media_size, media_mime, media_file_name, created_at, updated_at)
VALUES (sqlc.arg(conversation_id), sqlc.arg(user_id), sqlc.arg(account_id), 'out', 'answer', sqlc.arg(text), sqlc.arg(entities),
    sqlc.arg(sent_at), 'pending', sqlc.arg(random_id), sqlc.arg(error_code), sqlc.arg(error), sqlc.narg(answered_by),
    sqlc.narg(media_file_id), sqlc.arg(media_type), sqlc.arg(media_size), sqlc.arg(media_mime), sqlc.arg(media_file_name), sqlc.arg(now), sqlc.arg(now))
RETURNING id;

-- name: ClaimAnswerOf :execrows
UPDATE inbox_messages SET state = 'sending', attempts = attempts + 1, updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND state = 'pending';

-- name: RetryAnswerOf :execrows
UPDATE inbox_messages SET attempts = attempts + 1, updated_at = sqlc.arg(now) WHERE id = sqlc.arg(id) AND state = 'sending';

-- name: DeleteShownAnswer :exec
-- An update may have shown the sent message before its answer was
-- recorded; the answer's row is the one to keep.
DELETE FROM inbox_messages WHERE conversation_id = sqlc.arg(conversation_id) AND tg_message_id = sqlc.arg(tg_message_id)
  AND id <> sqlc.arg(id);

-- name: FinishAnswerOf :execrows
UPDATE inbox_messages SET state = sqlc.arg(state), tg_message_id = sqlc.arg(tg_message_id), error_code = sqlc.arg(error_code),
  error = sqlc.arg(error), updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND state IN ('pending', 'sending');

-- name: ReleaseAnswerOf :execrows
UPDATE inbox_messages SET state = 'pending', error_code = sqlc.arg(error_code), error = sqlc.arg(error), updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND state = 'sending';

-- name: NoteWaitingAnswersOf :exec
UPDATE inbox_messages SET error_code = sqlc.arg(error_code), error = sqlc.arg(error), updated_at = sqlc.arg(now)
WHERE account_id = sqlc.arg(account_id) AND state = 'pending';

-- name: AccountsWithAnswersToSend :many
SELECT DISTINCT user_id, account_id FROM inbox_messages WHERE state IN ('pending', 'sending') ORDER BY account_id;

-- name: ConnectedAccountRefs :many
SELECT user_id, id FROM telegram_accounts WHERE status IN ('active', 'flood_wait', 'limited')
  AND session_sealed IS NOT NULL ORDER BY id;

-- name: ConversationsChangedAfter :many
SELECT id, updated_at FROM conversations WHERE user_id = sqlc.arg(user_id) AND updated_at > sqlc.arg(since)
ORDER BY updated_at LIMIT 200;

-- name: AssignConversationTo :execrows
UPDATE conversations SET assigned_to = sqlc.narg(assigned_to), updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id);

-- name: InsertNote :one
INSERT INTO conversation_notes (conversation_id, user_id, author_id, text, created_at)
VALUES (sqlc.arg(conversation_id), sqlc.arg(user_id), sqlc.narg(author_id), sqlc.arg(text), sqlc.arg(created_at))
RETURNING id;

-- name: TouchConversationAt :exec
UPDATE conversations SET updated_at = sqlc.arg(now) WHERE id = sqlc.arg(id);

-- name: SetTypingAt :exec
INSERT INTO inbox_typing (conversation_id, person_id, user_id, typed_at)
VALUES (sqlc.arg(conversation_id), sqlc.arg(person_id), sqlc.arg(user_id), sqlc.arg(typed_at))
ON CONFLICT (conversation_id, person_id) DO UPDATE SET typed_at = excluded.typed_at;

-- name: ClearTypingOf :exec
DELETE FROM inbox_typing WHERE conversation_id = sqlc.arg(conversation_id) AND person_id = sqlc.arg(person_id);

-- name: TypistsSince :many
SELECT t.person_id, u.email, t.typed_at FROM inbox_typing t JOIN users u ON u.id = t.person_id
WHERE t.conversation_id = sqlc.arg(conversation_id) AND t.typed_at > sqlc.arg(since)
ORDER BY t.typed_at, t.person_id;

-- name: TouchAnsweredConversation :exec
UPDATE conversations SET updated_at = sqlc.arg(now)
WHERE id = (SELECT m.conversation_id FROM inbox_messages m WHERE m.id = sqlc.arg(message_id));

-- name: ConversationOfUser :one
SELECT sqlc.embed(c), CAST(COALESCE(cp.name, '') AS TEXT) AS campaign_name, ta.first_name AS account_first_name,
  ta.last_name AS account_last_name, ta.username AS account_username, CAST(COALESCE(au.email, '') AS TEXT) AS assigned_email
FROM conversations c JOIN telegram_accounts ta ON ta.id = c.account_id LEFT JOIN campaigns cp ON cp.id = c.campaign_id
  LEFT JOIN users au ON au.id = c.assigned_to
WHERE c.id = sqlc.arg(id) AND c.user_id = sqlc.arg(user_id);

-- name: ConversationWithPeer :one
SELECT sqlc.embed(c), CAST(COALESCE(cp.name, '') AS TEXT) AS campaign_name, ta.first_name AS account_first_name,
  ta.last_name AS account_last_name, ta.username AS account_username, CAST(COALESCE(au.email, '') AS TEXT) AS assigned_email
FROM conversations c JOIN telegram_accounts ta ON ta.id = c.account_id LEFT JOIN campaigns cp ON cp.id = c.campaign_id
  LEFT JOIN users au ON au.id = c.assigned_to
WHERE c.account_id = sqlc.arg(account_id) AND c.tg_user_id = sqlc.arg(tg_user_id);

-- name: ConversationToWork :one
SELECT sqlc.embed(c), CAST(COALESCE(cp.name, '') AS TEXT) AS campaign_name, ta.first_name AS account_first_name,
  ta.last_name AS account_last_name, ta.username AS account_username, CAST(COALESCE(au.email, '') AS TEXT) AS assigned_email
FROM conversations c JOIN telegram_accounts ta ON ta.id = c.account_id LEFT JOIN campaigns cp ON cp.id = c.campaign_id
  LEFT JOIN users au ON au.id = c.assigned_to
WHERE c.id = sqlc.arg(id);

-- name: InboxMessageOf :one
SELECT sqlc.embed(m), CAST(COALESCE((SELECT u.email FROM users u WHERE u.id = m.answered_by), '') AS TEXT) AS answered_by_email,
  CAST(COALESCE((SELECT f.file_name FROM media_files f WHERE f.id = m.media_file_id), '') AS TEXT) AS media_file_name
FROM inbox_messages m WHERE m.id = sqlc.arg(id);

-- name: InboxMessageByTGID :one
SELECT sqlc.embed(m), CAST(COALESCE((SELECT u.email FROM users u WHERE u.id = m.answered_by), '') AS TEXT) AS answered_by_email,
  CAST(COALESCE((SELECT f.file_name FROM media_files f WHERE f.id = m.media_file_id), '') AS TEXT) AS media_file_name
FROM inbox_messages m WHERE m.conversation_id = sqlc.arg(conversation_id) AND m.tg_message_id = sqlc.arg(tg_message_id);

-- name: InboxMessageByRandomID :one
SELECT sqlc.embed(m), CAST(COALESCE((SELECT u.email FROM users u WHERE u.id = m.answered_by), '') AS TEXT) AS answered_by_email,
  CAST(COALESCE((SELECT f.file_name FROM media_files f WHERE f.id = m.media_file_id), '') AS TEXT) AS media_file_name
FROM inbox_messages m WHERE m.conversation_id = sqlc.arg(conversation_id) AND m.random_id = sqlc.arg(random_id);

-- name: FirstPendingAnswer :one
SELECT sqlc.embed(m), CAST(COALESCE((SELECT u.email FROM users u WHERE u.id = m.answered_by), '') AS TEXT) AS answered_by_email,
  CAST(COALESCE((SELECT f.file_name FROM media_files f WHERE f.id = m.media_file_id), '') AS TEXT) AS media_file_name
FROM inbox_messages m WHERE m.account_id = sqlc.arg(account_id) AND m.state = 'pending' ORDER BY m.id LIMIT 1;

-- name: SendingAnswersOf :many
SELECT sqlc.embed(m), CAST(COALESCE((SELECT u.email FROM users u WHERE u.id = m.answered_by), '') AS TEXT) AS answered_by_email,
  CAST(COALESCE((SELECT f.file_name FROM media_files f WHERE f.id = m.media_file_id), '') AS TEXT) AS media_file_name
FROM inbox_messages m WHERE m.account_id = sqlc.arg(account_id) AND m.state = 'sending' ORDER BY m.id;

-- name: NoteOf :one
SELECT sqlc.embed(n), CAST(COALESCE(u.email, '') AS TEXT) AS author_email
FROM conversation_notes n LEFT JOIN users u ON u.id = n.author_id WHERE n.id = sqlc.arg(id);

-- A thread's messages newest first, in thread order: Telegram dates to the
-- second, so messages of one second go as Telegram numbered them (an
-- answer not sent yet, numbered 0, after them); store.InboxMessage.Ord is
-- the same in Go.

-- name: NewestInboxMessages :many
SELECT sqlc.embed(m), CAST(COALESCE((SELECT u.email FROM users u WHERE u.id = m.answered_by), '') AS TEXT) AS answered_by_email,
  CAST(COALESCE((SELECT f.file_name FROM media_files f WHERE f.id = m.media_file_id), '') AS TEXT) AS media_file_name
FROM inbox_messages m WHERE m.conversation_id = sqlc.arg(conversation_id)
ORDER BY m.sent_at DESC, (CASE WHEN m.tg_message_id = 0 THEN 2147483648 ELSE m.tg_message_id END) DESC, m.id DESC
LIMIT CAST(sqlc.arg(max_rows) AS BIGINT);

-- name: InboxMessagesBefore :many
SELECT sqlc.embed(m), CAST(COALESCE((SELECT u.email FROM users u WHERE u.id = m.answered_by), '') AS TEXT) AS answered_by_email,
  CAST(COALESCE((SELECT f.file_name FROM media_files f WHERE f.id = m.media_file_id), '') AS TEXT) AS media_file_name
FROM inbox_messages m WHERE m.conversation_id = sqlc.arg(conversation_id) AND m.sent_at <= sqlc.arg(before_at)
  AND (m.sent_at < sqlc.arg(before_at)
    OR (CASE WHEN m.tg_message_id = 0 THEN 2147483648 ELSE m.tg_message_id END) < sqlc.arg(before_ord)
    OR ((CASE WHEN m.tg_message_id = 0 THEN 2147483648 ELSE m.tg_message_id END) = sqlc.arg(before_ord) AND m.id < sqlc.arg(before_id)))
ORDER BY m.sent_at DESC, (CASE WHEN m.tg_message_id = 0 THEN 2147483648 ELSE m.tg_message_id END) DESC, m.id DESC
LIMIT CAST(sqlc.arg(max_rows) AS BIGINT);

-- name: TouchConversationLast :exec
-- The conversation's last message is the newest of its thread; an
-- incoming one counts unread and reopens a done conversation.
UPDATE conversations SET last_message_text = sqlc.arg(last_text), last_message_out = sqlc.arg(last_out),
  last_message_at = sqlc.arg(last_at), unread = unread + sqlc.arg(unread_add),
  status = CASE WHEN sqlc.arg(unread_add) > 0 THEN 'open' ELSE status END, updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id);
