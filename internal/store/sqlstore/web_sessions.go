package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

func (q queries) SessionFind(ctx context.Context, token string, now time.Time) ([]byte, bool, error) {
	data, err := q.q.SessionFind(ctx, gen.SessionFindParams{Token: token, Now: now})
	switch err = mapErr(q.d, err); {
	case errors.Is(err, store.ErrNotFound):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	if data == nil {
		data = []byte{} // an empty session is still a session
	}
	return data, true, nil
}

func (q queries) SessionCommit(ctx context.Context, token string, data []byte, expiry time.Time) error {
	if data == nil {
		data = []byte{} // the column is NOT NULL
	}
	err := q.q.SessionCommit(ctx, gen.SessionCommitParams{Token: token, Data: data, Expiry: expiry})
	return mapErr(q.d, err)
}

func (q queries) SessionDelete(ctx context.Context, token string) error {
	return mapErr(q.d, q.q.SessionDelete(ctx, token))
}

func (q queries) SessionDeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	n, err := q.q.SessionDeleteExpired(ctx, now)
	return n, mapErr(q.d, err)
}
