package sqlstore

import (
	"context"
	"time"

	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

func (q queries) AddLoginFailure(ctx context.Context, key string, at time.Time) error {
	err := q.q.AddLoginFailure(ctx, gen.AddLoginFailureParams{ThrottleKey: key, FailedAt: at})
	return mapErr(q.d, err)
}

func (q queries) LoginFailuresSince(ctx context.Context, key string, since time.Time) (int, error) {
	n, err := q.q.LoginFailuresSince(ctx, gen.LoginFailuresSinceParams{ThrottleKey: key, Since: since})
	return int(n), mapErr(q.d, err)
}

func (q queries) ClearLoginFailures(ctx context.Context, key string) error {
	return mapErr(q.d, q.q.ClearLoginFailures(ctx, key))
}

func (q queries) DeleteLoginFailuresBefore(ctx context.Context, before time.Time) (int64, error) {
	n, err := q.q.DeleteLoginFailuresBefore(ctx, before)
	return n, mapErr(q.d, err)
}
