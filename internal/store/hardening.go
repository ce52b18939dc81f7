package store

import (
	"context"
	"time"
)

// Hardening is what issue 10 added: web sessions that know their user,
// browsers that have logged in before, the last failure of a throttle key,
// failed Telegram login steps, and the number of administrators.
type Hardening interface {
	// SessionCommitOwned is SessionCommit that also records whose session
	// it is (0 for nobody yet) and, on its first commit, when and from
	// where it began.
	SessionCommitOwned(ctx context.Context, s OwnedSession) error
	// ListUserSessions lists a user's unexpired sessions, newest first.
	ListUserSessions(ctx context.Context, userID int64, now time.Time) ([]WebSession, error)
	// DeleteUserSession ends one of the user's sessions; another user's is
	// ErrNotFound.
	DeleteUserSession(ctx context.Context, userID int64, token string) error
	// DeleteUserSessionsExcept ends every session of the user but keep
	// ("" ends them all) and returns how many it ended.
	DeleteUserSessionsExcept(ctx context.Context, userID int64, keep string) (int64, error)

	// AddLoginDevice remembers a browser that logged in as userID, by the
	// hash of the value of its device cookie.
	AddLoginDevice(ctx context.Context, hash []byte, userID int64, now time.Time) error
	// LoginDeviceUser is the user a device logged in as, ErrNotFound for
	// an unknown one.
	LoginDeviceUser(ctx context.Context, hash []byte) (int64, error)
	// LastLoginFailure is the time of the key's newest failure, ErrNotFound
	// when it has none.
	LastLoginFailure(ctx context.Context, key string) (time.Time, error)

	// AddPendingLoginFailure counts a wrong code or 2FA password on the
	// account's login in progress and returns the count so far.
	AddPendingLoginFailure(ctx context.Context, userID, accountID int64) (int, error)

	CountAdmins(ctx context.Context) (int, error)
}

// OwnedSession is a web session as committed.
type OwnedSession struct {
	Token     string // the hash of the cookie's value
	Data      []byte
	Expiry    time.Time
	UserID    int64 // 0 while nobody is logged in
	Now       time.Time
	ClientIP  string
	UserAgent string
}

// WebSession is a user's session as listed.
type WebSession struct {
	Token     string // the hash of the cookie's value, never the value
	Expiry    time.Time
	CreatedAt time.Time
	ClientIP  string
	UserAgent string
}
