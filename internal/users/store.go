package users

import (
	"context"
	"time"

	"github.com/telegramate/telegramate/internal/store"
)

// Store is the part of the store the users service uses outside a
// transaction (inside one, store.Tx stays whole), so that what this package
// reads and writes shows at a glance, and a fake needs only this.
type Store interface {
	store.Users
	store.LoginThrottle

	// from store.WebSessions
	DeleteUserSession(ctx context.Context, userID int64, token string) error
	DeleteUserSessionsExcept(ctx context.Context, userID int64, keep string) (int64, error)
	ListUserSessions(ctx context.Context, userID int64, now time.Time) ([]store.WebSession, error)

	// from store.Workspaces
	UserWorkspaces(ctx context.Context, userID int64) ([]store.Membership, error)

	// of the store itself
	InTx(ctx context.Context, fn func(tx store.Tx) error) error
}
