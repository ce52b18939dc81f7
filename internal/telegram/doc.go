// Package telegram is Telegramate's only door to Telegram. It wraps gotd
// (github.com/gotd/td) and knows nothing of accounts, campaigns or storage:
// callers hand it API credentials and a session blob, it connects, runs one
// step and hands back the updated blob for the caller to seal and store.
//
// Every step runs on a fresh MTProto client built from the session bytes,
// because the steps of a login arrive as separate HTTP requests that may land
// on different nodes. Telegram's RPC errors are translated into this
// package's typed errors in one place (classify), so domain packages can map
// them to what users read without knowing Telegram's error strings.
package telegram
