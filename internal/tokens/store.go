package tokens

import (
	"context"
	"time"

	"github.com/telegramate/telegramate/internal/store"
)

// Store is the part of the store API tokens use outside a transaction
// (inside one, store.Tx stays whole), so that what this package reads and
// writes shows at a glance, and a fake needs only this.
type Store interface {
	// from store.Tokens
	ListTokens(ctx context.Context, userID int64) ([]store.Token, error)
	TokenByHash(ctx context.Context, hash []byte) (store.Token, store.User, error)
	TokensPage(ctx context.Context, userID, beforeID int64, limit int) ([]store.Token, error)
	TouchToken(ctx context.Context, tokenID int64, now time.Time) error

	// from store.Workspaces
	UserWorkspaces(ctx context.Context, userID int64) ([]store.Membership, error)

	// of the store itself
	InTx(ctx context.Context, fn func(tx store.Tx) error) error
}
