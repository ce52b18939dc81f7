-- name: CreatePendingLogin :one
INSERT INTO pending_logins (
    user_id, account_id, api_id, api_hash_sealed, phone, phone_code_hash_sealed, session_sealed,
    code_type, next_type, code_timeout_seconds, password_hint, state, created_at, expires_at,
    code_length, code_sent_at
) VALUES (
    sqlc.arg(user_id), sqlc.narg(account_id), sqlc.arg(api_id), sqlc.arg(api_hash_sealed), sqlc.arg(phone),
    sqlc.arg(phone_code_hash_sealed), sqlc.arg(session_sealed), sqlc.arg(code_type), sqlc.arg(next_type),
    sqlc.arg(code_timeout_seconds), sqlc.arg(password_hint), sqlc.arg(state), sqlc.arg(created_at), sqlc.arg(expires_at),
    sqlc.arg(code_length), sqlc.narg(code_sent_at)
)
RETURNING *;

-- name: PendingLoginByID :one
SELECT * FROM pending_logins WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id);

-- name: UpdatePendingLogin :execrows
UPDATE pending_logins SET
    phone_code_hash_sealed = sqlc.arg(phone_code_hash_sealed),
    session_sealed = sqlc.arg(session_sealed),
    code_type = sqlc.arg(code_type),
    next_type = sqlc.arg(next_type),
    code_timeout_seconds = sqlc.arg(code_timeout_seconds),
    password_hint = sqlc.arg(password_hint),
    state = sqlc.arg(state),
    expires_at = sqlc.arg(expires_at),
    code_length = sqlc.arg(code_length),
    code_sent_at = sqlc.narg(code_sent_at)
WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id);

-- name: DeletePendingLogin :execrows
DELETE FROM pending_logins WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id);

-- name: DeleteExpiredPendingLogins :execrows
DELETE FROM pending_logins WHERE expires_at <= sqlc.arg(now);

-- name: CreateAccount :one
INSERT INTO telegram_accounts (
    user_id, api_id, api_hash_sealed, phone, tg_user_id, first_name, last_name, username, dc,
    session_sealed, status, status_detail, created_at, updated_at, connected_at
) VALUES (
    sqlc.arg(user_id), sqlc.arg(api_id), sqlc.arg(api_hash_sealed), sqlc.arg(phone), sqlc.narg(tg_user_id),
    sqlc.arg(first_name), sqlc.arg(last_name), sqlc.arg(username), sqlc.arg(dc), sqlc.arg(session_sealed),
    'active', '', sqlc.arg(now), sqlc.arg(now), sqlc.arg(now)
)
RETURNING *;

-- name: ActivateAccount :one
UPDATE telegram_accounts SET
    api_id = sqlc.arg(api_id),
    api_hash_sealed = sqlc.arg(api_hash_sealed),
    phone = sqlc.arg(phone),
    tg_user_id = sqlc.narg(tg_user_id),
    first_name = sqlc.arg(first_name),
    last_name = sqlc.arg(last_name),
    username = sqlc.arg(username),
    dc = sqlc.arg(dc),
    session_sealed = sqlc.arg(session_sealed),
    status = 'active',
    flood_until = NULL,
    status_detail = '',
    updated_at = sqlc.arg(now),
    login_generation = telegram_accounts.login_generation + 1,
    -- The first connection's date: a rotation or re-login keeps it.
    connected_at = COALESCE(telegram_accounts.connected_at, sqlc.arg(now))
WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id) AND status <> 'disconnected'
RETURNING *;

-- name: AccountByID :one
SELECT * FROM telegram_accounts WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id);

-- name: ListAccounts :many
SELECT * FROM telegram_accounts WHERE user_id = sqlc.arg(user_id) ORDER BY id;

-- name: AccountsByStatus :many
SELECT * FROM telegram_accounts WHERE status = sqlc.arg(status) ORDER BY id;

-- name: LiveAccountByAPIIDOrPhone :one
-- Whoever owns it: an API ID or phone is connected once per instance. A
-- login still in progress ('pending') holds neither.
SELECT * FROM telegram_accounts
WHERE status NOT IN ('disconnected', 'pending') AND (api_id = sqlc.arg(api_id) OR phone = sqlc.arg(phone))
ORDER BY id
LIMIT 1;

-- name: UpdateAccountSession :execrows
UPDATE telegram_accounts SET session_sealed = sqlc.arg(session_sealed), updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND status <> 'disconnected';

-- name: SetAccountStatus :execrows
UPDATE telegram_accounts SET
    status = sqlc.arg(status),
    flood_until = sqlc.narg(flood_until),
    status_detail = sqlc.arg(status_detail),
    updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id);

-- name: DisconnectAccount :execrows
UPDATE telegram_accounts SET
    status = 'disconnected',
    api_hash_sealed = NULL,
    session_sealed = NULL,
    flood_until = NULL,
    status_detail = '',
    updated_at = sqlc.arg(now),
    disconnected_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id);

-- name: AddActivity :one
INSERT INTO account_activity (account_id, user_id, by_user_id, event, detail, ip, created_at)
VALUES (sqlc.narg(account_id), sqlc.arg(user_id), sqlc.narg(by_user_id), sqlc.arg(event), sqlc.arg(detail), sqlc.arg(ip), sqlc.arg(created_at))
RETURNING *;

-- name: ListActivity :many
SELECT * FROM account_activity
WHERE account_id = sqlc.arg(account_id) AND user_id = sqlc.arg(user_id)
ORDER BY id DESC
LIMIT CAST(sqlc.arg(max_rows) AS BIGINT);

-- name: LiveAccountsByAPIIDOrPhone :many
SELECT * FROM telegram_accounts
WHERE status NOT IN ('disconnected', 'pending') AND (api_id = sqlc.arg(api_id) OR phone = sqlc.arg(phone))
ORDER BY id;

-- name: CreatePendingAccount :one
-- A login's first step: the account exists (one id from start to finish)
-- but holds no secret and no credentials against others until it is active.
INSERT INTO telegram_accounts (user_id, api_id, phone, status, status_detail, created_at, updated_at)
VALUES (sqlc.arg(user_id), sqlc.arg(api_id), sqlc.arg(phone), 'pending', '', sqlc.arg(now), sqlc.arg(now))
RETURNING *;

-- name: DeletePendingAccount :execrows
DELETE FROM telegram_accounts WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id) AND status = 'pending';

-- name: DeleteAbandonedPendingAccounts :execrows
-- Pending accounts whose login is gone (expired and pruned) for a while.
DELETE FROM telegram_accounts
WHERE telegram_accounts.status = 'pending' AND telegram_accounts.created_at < sqlc.arg(before)
  AND NOT EXISTS (SELECT 1 FROM pending_logins WHERE pending_logins.account_id = telegram_accounts.id);

-- name: PendingLoginByAccount :one
SELECT * FROM pending_logins WHERE account_id = sqlc.arg(account_id) AND user_id = sqlc.arg(user_id);

-- name: DeletePendingLoginsOfAccount :execrows
DELETE FROM pending_logins WHERE account_id = sqlc.arg(account_id) AND user_id = sqlc.arg(user_id);

-- name: StoreUseSession :execrows
-- A use's refreshed session, only over the login it started on: a
-- rotation or re-login in the meantime must not be overwritten by the old
-- session.
UPDATE telegram_accounts SET session_sealed = sqlc.arg(session_sealed), updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND login_generation = sqlc.arg(login_generation)
  AND status NOT IN ('disconnected', 'pending');

-- name: RecordUseVerdict :execrows
-- Telegram's verdict on a login, never lost to a concurrent use of the same
-- account and never softened by one: a verdict lands unless the account
-- already carries a graver one (needs_relogin > limited > flood_wait), and
-- a later FLOOD_WAIT deadline wins over an earlier one.
UPDATE telegram_accounts SET
    status = sqlc.arg(status),
    flood_until = sqlc.narg(flood_until),
    status_detail = sqlc.arg(status_detail),
    updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND login_generation = sqlc.arg(login_generation)
  AND status NOT IN ('disconnected', 'pending')
  AND (CASE status WHEN 'needs_relogin' THEN 3 WHEN 'limited' THEN 2 WHEN 'flood_wait' THEN 1 ELSE 0 END)
      <= CAST(sqlc.arg(rank) AS BIGINT)
  AND NOT (status = 'flood_wait' AND sqlc.arg(status) = 'flood_wait' AND flood_until > sqlc.narg(flood_until));

-- name: EndFloodWait :execrows
-- A use that Telegram let through after a FLOOD_WAIT's time: the account is
-- active again, unless something graver was recorded meanwhile.
UPDATE telegram_accounts SET status = 'active', flood_until = NULL, status_detail = '', updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND login_generation = sqlc.arg(login_generation)
  AND status = 'flood_wait' AND flood_until <= sqlc.arg(now);
