package sqlstore

import (
	"context"
	"database/sql"
	"math"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

func toToken(t gen.ApiToken) store.Token {
	return store.Token{
		ID:          t.ID,
		UserID:      t.UserID,
		WorkspaceID: t.WorkspaceID.Int64,
		ReadOnly:    t.ReadOnly,
		Name:        t.Name,
		Prefix:      t.Prefix,
		CreatedAt:   t.CreatedAt.UTC(),
		LastUsedAt:  fromNullTime(t.LastUsedAt),
		RevokedAt:   fromNullTime(t.RevokedAt),
		ExpiresAt:   fromNullTime(t.ExpiresAt),
	}
}

func (q queries) CreateToken(ctx context.Context, t store.NewToken) (store.Token, error) {
	r, err := q.q.CreateToken(ctx, gen.CreateTokenParams{
		UserID: t.UserID, WorkspaceID: sql.NullInt64{Int64: t.WorkspaceID, Valid: true}, ReadOnly: t.ReadOnly, Name: t.Name, TokenHash: t.Hash, Prefix: t.Prefix, CreatedAt: t.Now,
		ExpiresAt: nullTime(t.ExpiresAt),
	})
	return one(q.d, r, err, toToken)
}

func (q queries) TokensPage(ctx context.Context, userID, beforeID int64, limit int) ([]store.Token, error) {
	if beforeID <= 0 {
		beforeID = math.MaxInt64
	}
	rs, err := q.q.TokensPage(ctx, gen.TokensPageParams{UserID: userID, BeforeID: beforeID, MaxRows: int64(limit)})
	return many(q.d, rs, err, toToken)
}

func (q queries) ListTokens(ctx context.Context, userID int64) ([]store.Token, error) {
	rs, err := q.q.ListTokens(ctx, userID)
	return many(q.d, rs, err, toToken)
}

// RevokeToken is idempotent for the owner: revoking a revoked token is not
// an error, revoking someone else's is ErrNotFound.
func (q queries) RevokeToken(ctx context.Context, userID, tokenID int64, now time.Time) error {
	n, err := q.q.RevokeToken(ctx, gen.RevokeTokenParams{ID: tokenID, UserID: userID, Now: nullTime(now)})
	if err != nil || n > 0 {
		return mapErr(q.d, err)
	}
	exists, err := q.q.TokenExists(ctx, gen.TokenExistsParams{ID: tokenID, UserID: userID})
	if err != nil {
		return mapErr(q.d, err)
	}
	if exists == 0 {
		return store.ErrNotFound
	}
	return nil
}

func (q queries) TokenByHash(ctx context.Context, hash []byte) (store.Token, store.User, error) {
	r, err := q.q.TokenByHash(ctx, hash)
	if err != nil {
		return store.Token{}, store.User{}, mapErr(q.d, err)
	}
	tok := toToken(r.ApiToken)
	tok.Role = r.Role
	return tok, toUser(r.User), nil
}

func (q queries) TouchToken(ctx context.Context, tokenID int64, now time.Time) error {
	err := q.q.TouchToken(ctx, gen.TouchTokenParams{ID: tokenID, Now: nullTime(now)})
	return mapErr(q.d, err)
}
