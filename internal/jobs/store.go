package jobs

import (
	"context"
	"database/sql"
	"time"

	"github.com/telegramate/telegramate/internal/store"
)

// Store is the part of the store the background jobs use outside a
// transaction (inside one, store.Tx stays whole), so that what this package
// reads and writes shows at a glance, and a fake needs only this.
type Store interface {
	store.Retention

	// from store.Accounts
	DeleteAbandonedPendingAccounts(ctx context.Context, before time.Time) (int64, error)
	DeleteExpiredPendingLogins(ctx context.Context, now time.Time) (int64, error)

	// from store.Leases
	ForgetNodes(ctx context.Context, age time.Duration) (int64, error)
	NodeSeen(ctx context.Context, id string) error
	NodeStarted(ctx context.Context, id string) error
	ReleaseLeasesExcept(ctx context.Context, holder string) (int64, error)
	ReleaseLeasesOf(ctx context.Context, holder string) (int64, error)
	RescueJobs(ctx context.Context, self string, deadAfter time.Duration) ([]int64, error)
	RescueOwnJobs(ctx context.Context, self string) ([]int64, error)

	// from store.Media
	DeleteIncompleteMediaFiles(ctx context.Context, before time.Time) (int64, error)
	DeleteUnusedMediaFiles(ctx context.Context, before time.Time) (int64, error)

	// from store.LoginThrottle
	DeleteLoginFailuresBefore(ctx context.Context, before time.Time) (int64, error)

	// from store.WebSessions
	SessionDeleteExpired(ctx context.Context, now time.Time) (int64, error)

	// of the store itself
	DB() *sql.DB
	Dialect() string
}
