package sqlstore

import (
	"context"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

func (q queries) SessionCommitOwned(ctx context.Context, s store.OwnedSession) error {
	if s.Data == nil {
		s.Data = []byte{} // the column is NOT NULL
	}
	err := q.q.SessionCommitOwned(ctx, gen.SessionCommitOwnedParams{
		Token: s.Token, Data: s.Data, Expiry: s.Expiry, UserID: nullID(s.UserID),
		CreatedAt: nullTime(s.Now), ClientIp: s.ClientIP, UserAgent: s.UserAgent,
	})
	return mapErr(q.d, err)
}

func (q queries) ListUserSessions(ctx context.Context, userID int64, now time.Time) ([]store.WebSession, error) {
	rs, err := q.q.ListUserSessions(ctx, gen.ListUserSessionsParams{UserID: nullID(userID), Now: now})
	return many(q.d, rs, err, func(r gen.ListUserSessionsRow) store.WebSession {
		return store.WebSession{Token: r.Token, Expiry: r.Expiry.UTC(), CreatedAt: fromNullTime(r.CreatedAt),
			ClientIP: r.ClientIp, UserAgent: r.UserAgent}
	})
}

func (q queries) DeleteUserSession(ctx context.Context, userID int64, token string) error {
	n, err := q.q.DeleteUserSession(ctx, gen.DeleteUserSessionParams{UserID: nullID(userID), Token: token})
	return affected(q.d, n, err)
}

func (q queries) DeleteUserSessionsExcept(ctx context.Context, userID int64, keep string) (int64, error) {
	n, err := q.q.DeleteUserSessionsExcept(ctx, gen.DeleteUserSessionsExceptParams{UserID: nullID(userID), Keep: keep})
	return n, mapErr(q.d, err)
}

func (q queries) AddLoginDevice(ctx context.Context, hash []byte, userID int64, now time.Time) error {
	err := q.q.AddLoginDevice(ctx, gen.AddLoginDeviceParams{TokenHash: hash, UserID: userID, CreatedAt: now})
	return mapErr(q.d, err)
}

func (q queries) LoginDeviceUser(ctx context.Context, hash []byte) (int64, error) {
	id, err := q.q.LoginDeviceUser(ctx, hash)
	return id, mapErr(q.d, err)
}

func (q queries) LastLoginFailure(ctx context.Context, key string) (time.Time, error) {
	t, err := q.q.LastLoginFailure(ctx, key)
	return t.UTC(), mapErr(q.d, err)
}

func (q queries) AddPendingLoginFailure(ctx context.Context, userID, accountID int64) (int, error) {
	n, err := q.q.AddPendingLoginFailure(ctx, gen.AddPendingLoginFailureParams{UserID: userID, AccountID: nullID(accountID)})
	return int(n), mapErr(q.d, err)
}

func (q queries) CountAdmins(ctx context.Context) (int, error) {
	n, err := q.q.CountAdmins(ctx)
	return int(n), mapErr(q.d, err)
}
