package store

import (
	"context"
	"time"
)

// Telegram account statuses.
const (
	AccountPending      = "pending"
	AccountActive       = "active"
	AccountNeedsRelogin = "needs_relogin"
	AccountLimited      = "limited"
	AccountFloodWait    = "flood_wait"
	// AccountDisconnected is final: the sealed columns are cleared and the
	// API ID and phone are free to connect again.
	AccountDisconnected = "disconnected"
)

// Pending login states.
const (
	LoginCodeSent       = "code_sent"
	LoginPasswordNeeded = "password_needed"
)

// Account is a connected Telegram account. The *Sealed fields hold
// secrets.Keyring output.
type Account struct {
	ID            int64
	UserID        int64
	APIID         int64
	APIHashSealed []byte // nil once disconnected
	Phone         string // digits only, as the accounts package normalises it
	TGUserID      int64  // 0 when not known
	FirstName     string
	LastName      string
	Username      string
	DC            int
	SessionSealed []byte // nil once disconnected
	Status        string
	FloodUntil    time.Time // zero unless waiting
	StatusDetail  string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	ConnectedAt   time.Time
	// DisconnectedAt is when the account was disconnected; zero while it
	// is not.
	DisconnectedAt time.Time
	// LoginGeneration moves with every rotation and re-login.
	LoginGeneration int64
	// Waits are the account's waits on kinds of call other than sending
	// (AccountWaits), when whoever read the account asked for them.
	Waits []AccountWait
}

// AccountWait is a FLOOD_WAIT on one kind of call of an account (reading
// members, resolving usernames, the account's own calls): calls of that
// kind wait until Until. A wait on sending is the account's status
// (AccountFloodWait, FloodUntil) instead.
type AccountWait struct {
	AccountID int64
	Kind      string
	Until     time.Time
	// Detail is what Telegram said ("FLOOD_WAIT_30 on channels.getParticipants").
	Detail string
}

// AccountLogin is what a finished login knows about the account.
type AccountLogin struct {
	APIID         int64
	APIHashSealed []byte
	Phone         string
	TGUserID      int64
	FirstName     string
	LastName      string
	Username      string
	DC            int
	SessionSealed []byte
	Now           time.Time
}

// PendingLogin is a login waiting for its code or 2FA password; it
// survives a restart. AccountID is the account the login finishes: a
// pending account created with it, or an existing one being rotated or
// logged in again.
type PendingLogin struct {
	ID                  int64
	UserID              int64
	AccountID           int64 // 0 for a new account
	APIID               int64
	APIHashSealed       []byte
	Phone               string
	PhoneCodeHashSealed []byte
	SessionSealed       []byte
	CodeType            string
	NextType            string
	CodeTimeoutSeconds  int
	CodeLength          int       // digits expected, 0 when Telegram did not say
	CodeSentAt          time.Time // when the current code was (re)sent
	PasswordHint        string
	State               string
	// FailedAttempts counts wrong codes and 2FA passwords so far.
	FailedAttempts int
	CreatedAt      time.Time
	ExpiresAt      time.Time
}

// AccountUse is what FinishAccountUse stores: what one use of a live
// account learned about its login.
type AccountUse struct {
	ID int64
	// LoginGeneration is the account's as the use started; a use of an
	// older login (rotated or logged in again since) stores nothing.
	LoginGeneration int64
	// SessionSealed is the refreshed session, nil when unchanged.
	SessionSealed []byte
	// Verdict is Telegram's word on the login: AccountNeedsRelogin,
	// AccountLimited or AccountFloodWait (with FloodUntil); AccountActive
	// when a call went through after a FLOOD_WAIT's time; "" for none.
	Verdict      string
	FloodUntil   time.Time
	StatusDetail string
	// Wait is a FLOOD_WAIT on a kind of call other than sending, nil for
	// none; a later end wins over an earlier one.
	Wait *AccountWait
	Now  time.Time
}

// Activity is one line of an account's activity log.
type Activity struct {
	ID        int64
	AccountID int64 // 0 for events before an account existed
	UserID    int64 // the owning workspace (see Workspace)
	// ByUserID is the person who caused it; 0 for background work.
	ByUserID  int64
	Event     string
	Detail    string
	IP        string
	CreatedAt time.Time
}

// Accounts holds Telegram accounts, logins in progress and their activity.
// Methods taking a userID are ErrNotFound for another user's rows.
type Accounts interface {
	// CreatePendingLogin inserts p (ID and AccountID 0 are ignored/NULL).
	CreatePendingLogin(ctx context.Context, p PendingLogin) (PendingLogin, error)
	PendingLoginByID(ctx context.Context, userID, id int64) (PendingLogin, error)
	// PendingLoginByAccount is the login in progress for an account (at most
	// one: pending_logins.account_id is unique).
	PendingLoginByAccount(ctx context.Context, userID, accountID int64) (PendingLogin, error)
	// DeletePendingLoginsOfAccount drops the account's login in progress, if
	// any (no error when there is none).
	DeletePendingLoginsOfAccount(ctx context.Context, userID, accountID int64) error
	// AddPendingLoginFailure counts a wrong code or 2FA password on the
	// account's login in progress and returns the count so far.
	AddPendingLoginFailure(ctx context.Context, userID, accountID int64) (int, error)
	// UpdatePendingLogin saves p's code hash, session, code details, hint,
	// state and expiry.
	UpdatePendingLogin(ctx context.Context, p PendingLogin) error
	DeletePendingLogin(ctx context.Context, userID, id int64) error
	DeleteExpiredPendingLogins(ctx context.Context, now time.Time) (int64, error)

	// CreateAccount inserts an active account. A live account with the same
	// API ID or phone (any user's) is ErrConflict.
	CreateAccount(ctx context.Context, userID int64, l AccountLogin) (Account, error)
	// CreatePendingAccount inserts an account in status AccountPending: a
	// login's first step. It holds no secret, and neither its API ID nor its
	// phone count as connected until ActivateAccount.
	CreatePendingAccount(ctx context.Context, userID, apiID int64, phone string, now time.Time) (Account, error)
	// DeletePendingAccount removes an account that never finished its
	// login; ErrNotFound for any other status.
	DeletePendingAccount(ctx context.Context, userID, id int64) error
	// DeleteAbandonedPendingAccounts removes pending accounts created before
	// before whose login is gone (expired and pruned).
	DeleteAbandonedPendingAccounts(ctx context.Context, before time.Time) (int64, error)
	// ActivateAccount stores a finished login on an account (a pending one,
	// renewed credentials, or a re-login) and makes it active. A
	// disconnected account is ErrNotFound; an API ID or phone live on
	// another account is ErrConflict.
	ActivateAccount(ctx context.Context, userID, accountID int64, l AccountLogin) (Account, error)
	AccountByID(ctx context.Context, userID, id int64) (Account, error)
	// ListAccounts lists a user's accounts, disconnected ones included,
	// oldest first.
	ListAccounts(ctx context.Context, userID int64) ([]Account, error)
	// AccountsByStatus lists every user's accounts in one status (for
	// background work).
	AccountsByStatus(ctx context.Context, status string) ([]Account, error)
	// AccountByAPIIDOrPhone finds the live (neither pending nor
	// disconnected) account of any user using either; ErrNotFound when both
	// are free.
	AccountByAPIIDOrPhone(ctx context.Context, apiID int64, phone string) (Account, error)
	// LiveAccountsByAPIIDOrPhone is every such account, oldest first (a
	// rotation must look past the account being rotated).
	LiveAccountsByAPIIDOrPhone(ctx context.Context, apiID int64, phone string) ([]Account, error)
	// UpdateAccountSession stores a refreshed session of a live account.
	UpdateAccountSession(ctx context.Context, id int64, sessionSealed []byte, now time.Time) error
	// SetAccountStatus records the account's health; floodUntil is zero
	// unless the status is AccountFloodWait.
	SetAccountStatus(ctx context.Context, id int64, status string, floodUntil time.Time, detail string, now time.Time) error
	// FinishAccountUse stores what one use of a live account learned — its
	// refreshed session and Telegram's verdict on its health — in one
	// transaction, if the account is still on the login the use started
	// with. A verdict is never lost to a concurrent use: it lands unless a
	// graver one is already recorded. It reports whether the verdict
	// landed (false after a rotation, re-login or disconnect meanwhile, or
	// when a graver verdict stands). Under a lease f that is no longer
	// current it stores nothing and returns ErrFenced (Unfenced: a use
	// under no lease).
	FinishAccountUse(ctx context.Context, f Fence, u AccountUse) (bool, error)
	// AccountWaits are the account's waits still running at now.
	AccountWaits(ctx context.Context, accountID int64, now time.Time) ([]AccountWait, error)
	// UserAccountWaits are the waits still running at now of every
	// account of the user.
	UserAccountWaits(ctx context.Context, userID int64, now time.Time) ([]AccountWait, error)
	// DisconnectAccount marks the account disconnected and erases its
	// sealed API hash and session.
	DisconnectAccount(ctx context.Context, userID, id int64, now time.Time) error

	AddActivity(ctx context.Context, a Activity) (Activity, error)
	// ListActivity is an account's log, newest first, at most limit lines.
	ListActivity(ctx context.Context, userID, accountID int64, limit int) ([]Activity, error)
}
