package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

func (q queries) AddAccountCall(ctx context.Context, c store.AccountCall, node string, now time.Time) (int64, error) {
	var id int64
	err := q.inTx(ctx, func(q queries) error {
		var err error
		id, err = q.q.AddAccountCall(ctx, gen.AddAccountCallParams{UserID: c.UserID, AccountID: c.AccountID, Node: node, Body: c.Body,
			FloodWaitMaxMs: c.FloodWaitMax.Milliseconds(), CreatedAt: now})
		if err != nil || q.d.Name != "postgres" {
			return err
		}
		// Delivered at commit, so the holder never reads a call not yet
		// there; SQLite has one node, which needs no waking.
		_, err = q.exec(ctx, "SELECT pg_notify(?, ?)", store.AccountCallsChannel, fmt.Sprintf("%d %s", id, node))
		return err
	})
	return id, mapErr(q.d, err)
}

func (q queries) TakeAccountCall(ctx context.Context, id int64, node string) (store.AccountCall, bool, error) {
	r, err := q.q.TakeAccountCall(ctx, gen.TakeAccountCallParams{ID: id, Node: node})
	if errors.Is(err, sql.ErrNoRows) {
		return store.AccountCall{}, false, nil
	}
	if err != nil {
		return store.AccountCall{}, false, mapErr(q.d, err)
	}
	return store.AccountCall{ID: r.ID, UserID: r.UserID, AccountID: r.AccountID, Body: r.Body,
		FloodWaitMax: time.Duration(r.FloodWaitMaxMs) * time.Millisecond}, true, nil
}

func (q queries) FinishAccountCall(ctx context.Context, id int64, r store.AccountCallResult, now time.Time) error {
	if r.Result == nil {
		r.Result = []byte{}
	}
	err := q.q.FinishAccountCall(ctx, gen.FinishAccountCallParams{ID: id, Result: r.Result,
		ErrorCode: int64(r.ErrorCode), ErrorText: r.ErrorText, DoneAt: nullTime(now)})
	return mapErr(q.d, err)
}

func (q queries) CancelAccountCall(ctx context.Context, id int64, now time.Time) (bool, error) {
	n, err := q.q.CancelAccountCall(ctx, gen.CancelAccountCallParams{ID: id, DoneAt: nullTime(now)})
	return n > 0, mapErr(q.d, err)
}

func (q queries) AccountCallResultOf(ctx context.Context, id int64) (store.AccountCallResult, error) {
	r, err := q.q.AccountCallByID(ctx, id)
	if err != nil {
		return store.AccountCallResult{}, mapErr(q.d, err)
	}
	return store.AccountCallResult{State: r.State, Result: r.Result, ErrorCode: int(r.ErrorCode), ErrorText: r.ErrorText}, nil
}

func (q queries) QueuedAccountCalls(ctx context.Context, node string) ([]int64, error) {
	ids, err := q.q.QueuedAccountCalls(ctx, node)
	return ids, mapErr(q.d, err)
}

func (q queries) ForgetAccountCalls(ctx context.Context, before time.Time) (int64, error) {
	n, err := q.q.ForgetAccountCalls(ctx, before)
	return n, mapErr(q.d, err)
}
