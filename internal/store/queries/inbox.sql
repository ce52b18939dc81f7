-- name: ConversationPeersOf :many
SELECT tg_user_id FROM conversations WHERE account_id = sqlc.arg(account_id);
