package telegram

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/gotd/td/pool"
	"github.com/gotd/td/rpc"
	"github.com/gotd/td/tgerr"
)

// Errors a caller can act on. Each wraps the original Telegram RPC error too,
// so tgerr.As still works on what this package returns.
var (
	ErrAPIIDInvalid          = errors.New("telegram: API ID or hash invalid")
	ErrPhoneNumberInvalid    = errors.New("telegram: phone number invalid")
	ErrPhoneNumberBanned     = errors.New("telegram: phone number banned")
	ErrPhoneNumberFlood      = errors.New("telegram: too many code requests for this phone number")
	ErrPhoneNumberUnoccupied = errors.New("telegram: phone number has no Telegram account")
	ErrPhoneCodeInvalid      = errors.New("telegram: login code invalid")
	ErrPhoneCodeExpired      = errors.New("telegram: login code expired")
	ErrPhoneCodeEmpty        = errors.New("telegram: login code empty")
	ErrSendCodeUnavailable   = errors.New("telegram: no other way to send the code")
	ErrPasswordNeeded        = errors.New("telegram: 2FA password needed")
	ErrPasswordInvalid       = errors.New("telegram: 2FA password invalid")
	ErrSessionRevoked        = errors.New("telegram: session revoked or account deactivated")
	ErrSessionInvalid        = errors.New("telegram: session data unreadable")
	ErrPeerFlood             = errors.New("telegram: account limited for messaging strangers (PEER_FLOOD)")
	ErrPrivacyRestricted     = errors.New("telegram: user's privacy settings forbid this")
	ErrChatAdminRequired     = errors.New("telegram: chat admin rights required")
	// Refusals that concern one recipient of a message, not the account.
	ErrRecipientBlocked     = errors.New("telegram: the recipient blocked the account")
	ErrRecipientDeactivated = errors.New("telegram: the recipient's account is deleted or deactivated")
	ErrPeerInvalid          = errors.New("telegram: the recipient is unknown to this account")
	ErrBannedFromSending    = errors.New("telegram: the account may not write to this recipient")
	ErrUsernameNotFound     = errors.New("telegram: no one has that username")
	ErrFloodWait            = errors.New("telegram: flood wait")
	ErrServer               = errors.New("telegram: server error")
	ErrUnavailable          = errors.New("telegram: cannot connect")
)

// FloodWaitError is Telegram's FLOOD_WAIT_X (or FLOOD_PREMIUM_WAIT_X): the
// method must not be called again before Wait has passed.
// errors.Is(err, ErrFloodWait) holds for it.
type FloodWaitError struct {
	Wait   time.Duration
	Method string
	Err    error // the original RPC error
}

func (e *FloodWaitError) Error() string {
	return fmt.Sprintf("telegram %s: flood wait %s", e.Method, e.Wait)
}

func (e *FloodWaitError) Is(target error) bool { return target == ErrFloodWait }
func (e *FloodWaitError) Unwrap() error        { return e.Err }

// PasswordNeededError is returned by SignIn when the account has two-step
// verification: the code was right, CheckPassword must follow on Session.
// errors.Is(err, ErrPasswordNeeded) holds for it.
type PasswordNeededError struct {
	Hint    string
	Session Session
}

func (e *PasswordNeededError) Error() string {
	return "telegram auth.signIn: 2FA password needed"
}

func (e *PasswordNeededError) Is(target error) bool { return target == ErrPasswordNeeded }

// rpcError ties a classified sentinel to the method and the original error.
type rpcError struct {
	method string
	kind   error // one of the sentinels above, or nil
	err    error
}

func (e *rpcError) Error() string {
	return fmt.Sprintf("telegram %s: %s", e.method, e.err)
}

func (e *rpcError) Unwrap() []error {
	if e.kind == nil {
		return []error{e.err}
	}
	return []error{e.kind, e.err}
}

// rpcKinds maps Telegram error types (the message without its numeric
// argument) to sentinels. It is the only place Telegram's strings are read.
var rpcKinds = map[string]error{
	"API_ID_INVALID":          ErrAPIIDInvalid,
	"API_ID_PUBLISHED_FLOOD":  ErrAPIIDInvalid,
	"PHONE_NUMBER_INVALID":    ErrPhoneNumberInvalid,
	"PHONE_NUMBER_BANNED":     ErrPhoneNumberBanned,
	"PHONE_NUMBER_FLOOD":      ErrPhoneNumberFlood,
	"PHONE_NUMBER_UNOCCUPIED": ErrPhoneNumberUnoccupied,
	"PHONE_CODE_INVALID":      ErrPhoneCodeInvalid,
	"PHONE_CODE_EXPIRED":      ErrPhoneCodeExpired,
	"PHONE_CODE_EMPTY":        ErrPhoneCodeEmpty,
	"SEND_CODE_UNAVAILABLE":   ErrSendCodeUnavailable,
	"SESSION_PASSWORD_NEEDED": ErrPasswordNeeded,
	"PASSWORD_HASH_INVALID":   ErrPasswordInvalid,
	"AUTH_KEY_UNREGISTERED":   ErrSessionRevoked,
	"AUTH_KEY_INVALID":        ErrSessionRevoked,
	"AUTH_KEY_DUPLICATED":     ErrSessionRevoked,
	"SESSION_REVOKED":         ErrSessionRevoked,
	"SESSION_EXPIRED":         ErrSessionRevoked,
	"USER_DEACTIVATED":        ErrSessionRevoked,
	"USER_DEACTIVATED_BAN":    ErrSessionRevoked,
	"PEER_FLOOD":              ErrPeerFlood,
	"USER_PRIVACY_RESTRICTED": ErrPrivacyRestricted,
	"CHAT_ADMIN_REQUIRED":     ErrChatAdminRequired,
	"USER_IS_BLOCKED":         ErrRecipientBlocked,
	"YOU_BLOCKED_USER":        ErrRecipientBlocked,
	"INPUT_USER_DEACTIVATED":  ErrRecipientDeactivated,
	"PEER_ID_INVALID":         ErrPeerInvalid,
	"USER_ID_INVALID":         ErrPeerInvalid,
	"USER_BANNED_IN_CHANNEL":  ErrBannedFromSending,
	"CHAT_WRITE_FORBIDDEN":    ErrBannedFromSending,
	"USERNAME_NOT_OCCUPIED":   ErrUsernameNotFound,
	"USERNAME_INVALID":        ErrUsernameNotFound,
}

// classify translates err returned by method into this package's errors.
// It is idempotent: an error it already produced passes through unchanged.
func classify(method string, err error) error {
	if err == nil {
		return nil
	}
	var done *rpcError
	var flood *FloodWaitError
	var pwd *PasswordNeededError
	if errors.As(err, &done) || errors.As(err, &flood) || errors.As(err, &pwd) {
		return err
	}
	if d, ok := tgerr.AsFloodWait(err); ok {
		return &FloodWaitError{Wait: d, Method: method, Err: err}
	}
	rpc, ok := tgerr.As(err)
	if !ok {
		return &rpcError{method: method, err: err}
	}
	kind := rpcKinds[rpc.Type]
	switch {
	case kind != nil:
	case rpc.Code == 401:
		// Telegram adds new 401 types now and then; any of them means the
		// session no longer authorizes this account (SESSION_PASSWORD_NEEDED,
		// also a 401, is matched above).
		kind = ErrSessionRevoked
	case rpc.Code >= 500 || rpc.Code == -500:
		kind = ErrServer
	}
	return &rpcError{method: method, kind: kind, err: err}
}

// serverTypes are Telegram errors that say the server failed to answer this
// time, whatever their code: the same request may succeed in a moment.
var serverTypes = map[string]bool{
	"INTERNAL":                   true,
	"RPC_CALL_FAIL":              true,
	"RPC_MCGET_FAIL":             true,
	"WORKER_BUSY_TOO_LONG_RETRY": true,
	"TIMEOUT":                    true,
	"HISTORY_GET_FAILED":         true,
}

// IsTransient reports a failure that says nothing about the account or the
// request: Telegram's server erred (5xx, INTERNAL and its kin) or the
// connection failed (dropped, reset, refused, timed out). Trying the same
// thing again soon is the fix. FLOOD_WAIT, PEER_FLOOD and an ended session
// are never transient, even when joined with a connection error, since
// each has its own handling. A caller checks its own context first: a
// deadline of its own is not Telegram's fault.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	var fw *FloodWaitError
	if errors.As(err, &fw) || errors.Is(err, ErrPeerFlood) || errors.Is(err, ErrSessionRevoked) {
		return false
	}
	if errors.Is(err, ErrServer) {
		return true
	}
	if rpc, ok := tgerr.As(err); ok {
		return rpc.Code >= 500 || rpc.Code <= -500 || serverTypes[rpc.Type]
	}
	return IsConnectionError(err)
}

// IsConnectionError reports a connection that dropped, was refused, or
// timed out, at any depth of err: Telegram's or the database's.
func IsConnectionError(err error) bool {
	var ne net.Error
	var retries *rpc.RetryLimitReachedErr
	switch {
	case err == nil:
		return false
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, rpc.ErrEngineClosed), errors.Is(err, pool.ErrConnDead), errors.As(err, &retries):
		return true
	case errors.As(err, &ne):
		// Any failure of a network operation (a dial, a read, a write) is
		// about the path to the server, not about what was asked.
		return true
	}
	return false
}
