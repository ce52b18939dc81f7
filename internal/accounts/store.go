package accounts

import (
	"context"
	"time"

	"github.com/telegramate/telegramate/internal/connections"
	"github.com/telegramate/telegramate/internal/lease"
	"github.com/telegramate/telegramate/internal/relay"
	"github.com/telegramate/telegramate/internal/store"
)

// Store is the part of the store the accounts service uses outside a
// transaction (inside one, store.Tx stays whole), so that what this package
// reads and writes shows at a glance, and a fake needs only this.
type Store interface {
	// handed on to the pieces that keep accounts connected
	relay.Store
	lease.Store
	connections.Store

	// from store.Accounts
	AccountByID(ctx context.Context, userID, id int64) (store.Account, error)
	AccountWaits(ctx context.Context, accountID int64, now time.Time) ([]store.AccountWait, error)
	AddActivity(ctx context.Context, a store.Activity) (store.Activity, error)
	AddPendingLoginFailure(ctx context.Context, userID, accountID int64) (int, error)
	DeleteAbandonedPendingAccounts(ctx context.Context, before time.Time) (int64, error)
	DeletePendingAccount(ctx context.Context, userID, id int64) error
	DeletePendingLoginsOfAccount(ctx context.Context, userID, accountID int64) error
	FinishAccountUse(ctx context.Context, f store.Fence, u store.AccountUse) (bool, error)
	ListAccounts(ctx context.Context, userID int64) ([]store.Account, error)
	ListActivity(ctx context.Context, userID, accountID int64, limit int) ([]store.Activity, error)
	PendingLoginByAccount(ctx context.Context, userID, accountID int64) (store.PendingLogin, error)
	SetAccountStatus(ctx context.Context, id int64, status string, floodUntil time.Time, detail string, now time.Time) error
	UpdatePendingLogin(ctx context.Context, p store.PendingLogin) error
	UserAccountWaits(ctx context.Context, userID int64, now time.Time) ([]store.AccountWait, error)

	// from store.Audit
	AddAuditEvent(ctx context.Context, e store.AuditEvent) (store.AuditEvent, error)

	// from store.Inbox
	ConnectedAccounts(ctx context.Context) ([]store.AccountRef, error)

	// from store.Leases
	LeaseOf(ctx context.Context, accountID int64) (store.Lease, error)

	// from store.Users
	UserByID(ctx context.Context, id int64) (store.User, error)

	// of the store itself
	InTx(ctx context.Context, fn func(tx store.Tx) error) error
}
