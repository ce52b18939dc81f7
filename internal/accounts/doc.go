// Package accounts connects users' Telegram accounts and keeps them usable:
// the login steps of the help article (API ID and Hash, phone, code, 2FA
// password), credential rotation, re-login, disconnection, the per-account
// activity log, the account's Telegram sessions, and its health (active,
// needs re-login, limited by Telegram, waiting out a FLOOD_WAIT).
//
// A login is an account row in status "pending" from its first step, so a
// client follows one id from "send code" to "active". The steps arrive as
// separate requests, minutes apart and perhaps on different nodes: between
// them the login's session and phone_code_hash live sealed in the database,
// and every step runs on a fresh MTProto client built from that session.
//
// Other domain packages reach Telegram through Use, which refuses accounts
// that are not usable and records what Telegram says about their health.
package accounts
