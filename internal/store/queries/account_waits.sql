-- name: RecordAccountWait :execrows
-- A FLOOD_WAIT on one kind of call: the later end wins over an earlier one
-- (two uses of the account told different waits).
INSERT INTO account_waits (account_id, kind, wait_until, detail)
VALUES (sqlc.arg(account_id), sqlc.arg(kind), sqlc.arg(wait_until), sqlc.arg(detail))
ON CONFLICT (account_id, kind) DO UPDATE SET wait_until = excluded.wait_until, detail = excluded.detail
WHERE account_waits.wait_until < excluded.wait_until;

-- name: AccountWaits :many
-- The account's waits still running at now, by kind.
SELECT account_id, kind, wait_until, detail FROM account_waits
WHERE account_id = sqlc.arg(account_id) AND wait_until > sqlc.arg(now)
ORDER BY kind;

-- name: UserAccountWaits :many
-- The waits still running at now of every account of the user.
SELECT w.account_id, w.kind, w.wait_until, w.detail FROM account_waits w
JOIN telegram_accounts a ON a.id = w.account_id
WHERE a.user_id = sqlc.arg(user_id) AND w.wait_until > sqlc.arg(now)
ORDER BY w.account_id, w.kind;
