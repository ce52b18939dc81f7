package sqlite

import (
	"context"
	"time"

	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
	"github.com/telegramate/telegramate/internal/store/sqlite/db"
)

// queries presents sqlc's SQLite package in the PostgreSQL package's types,
// which sqlstore is written against. Both are generated from the same query
// set, so every row and parameter struct converts directly; when they drift
// this file stops compiling.
type queries struct{ q *db.Queries }

var _ gen.Querier = queries{}

func newQueries(conn gen.DBTX) *db.Queries { return db.New(conn) }

func each[From, To any](xs []From, conv func(From) To) []To {
	out := make([]To, len(xs))
	for i, x := range xs {
		out[i] = conv(x)
	}
	return out
}

func user(u db.User) gen.User          { return gen.User(u) }
func token(t db.ApiToken) gen.ApiToken { return gen.ApiToken(t) }

// Users

func (s queries) CreateUser(ctx context.Context, arg gen.CreateUserParams) (gen.User, error) {
	r, err := s.q.CreateUser(ctx, db.CreateUserParams(arg))
	return user(r), err
}

func (s queries) UserByID(ctx context.Context, id int64) (gen.User, error) {
	r, err := s.q.UserByID(ctx, id)
	return user(r), err
}

func (s queries) UserByEmail(ctx context.Context, email string) (gen.User, error) {
	r, err := s.q.UserByEmail(ctx, email)
	return user(r), err
}

func (s queries) ListUsers(ctx context.Context) ([]gen.User, error) {
	rs, err := s.q.ListUsers(ctx)
	return each(rs, user), err
}

func (s queries) SetUserPassword(ctx context.Context, arg gen.SetUserPasswordParams) (int64, error) {
	return s.q.SetUserPassword(ctx, db.SetUserPasswordParams(arg))
}

// Web sessions

func (s queries) SessionFind(ctx context.Context, arg gen.SessionFindParams) ([]byte, error) {
	return s.q.SessionFind(ctx, db.SessionFindParams(arg))
}

func (s queries) SessionCommit(ctx context.Context, arg gen.SessionCommitParams) error {
	return s.q.SessionCommit(ctx, db.SessionCommitParams(arg))
}

func (s queries) SessionDelete(ctx context.Context, token string) error {
	return s.q.SessionDelete(ctx, token)
}

func (s queries) SessionDeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	return s.q.SessionDeleteExpired(ctx, now)
}

// Login throttle

func (s queries) AddLoginFailure(ctx context.Context, arg gen.AddLoginFailureParams) error {
	return s.q.AddLoginFailure(ctx, db.AddLoginFailureParams(arg))
}

func (s queries) LoginFailuresSince(ctx context.Context, arg gen.LoginFailuresSinceParams) (int64, error) {
	return s.q.LoginFailuresSince(ctx, db.LoginFailuresSinceParams(arg))
}

func (s queries) ClearLoginFailures(ctx context.Context, key string) error {
	return s.q.ClearLoginFailures(ctx, key)
}

func (s queries) DeleteLoginFailuresBefore(ctx context.Context, before time.Time) (int64, error) {
	return s.q.DeleteLoginFailuresBefore(ctx, before)
}

// Tokens

func (s queries) CreateToken(ctx context.Context, arg gen.CreateTokenParams) (gen.ApiToken, error) {
	r, err := s.q.CreateToken(ctx, db.CreateTokenParams(arg))
	return token(r), err
}

func (s queries) ListTokens(ctx context.Context, userID int64) ([]gen.ApiToken, error) {
	rs, err := s.q.ListTokens(ctx, userID)
	return each(rs, token), err
}

func (s queries) RevokeToken(ctx context.Context, arg gen.RevokeTokenParams) (int64, error) {
	return s.q.RevokeToken(ctx, db.RevokeTokenParams(arg))
}

func (s queries) TokenExists(ctx context.Context, arg gen.TokenExistsParams) (int64, error) {
	return s.q.TokenExists(ctx, db.TokenExistsParams(arg))
}

func (s queries) TokenByHash(ctx context.Context, hash []byte) (gen.TokenByHashRow, error) {
	r, err := s.q.TokenByHash(ctx, hash)
	return gen.TokenByHashRow{ApiToken: token(r.ApiToken), User: user(r.User)}, err
}

func (s queries) TouchToken(ctx context.Context, arg gen.TouchTokenParams) error {
	return s.q.TouchToken(ctx, db.TouchTokenParams(arg))
}
