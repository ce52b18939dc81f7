package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/lease"
	"github.com/telegramate/telegramate/internal/telegram"
)

// TestClassify: what each kind of failure means for a job, as every
// domain's jobs read it.
func TestClassify(t *testing.T) {
	live := context.Background()
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	limited := &apperr.Error{Code: "account_limited", Message: "limited", Status: 409}
	cases := []struct {
		name string
		ctx  context.Context
		err  error
		want Outcome
	}{
		{"telegram's FLOOD_WAIT", live, fmt.Errorf("send: %w", &telegram.FloodWaitError{Wait: 42 * time.Second}), Outcome{FloodWait: 42 * time.Second}},
		{"an account waiting out a FLOOD_WAIT", live, (&apperr.Error{Code: "flood_wait", Status: 429}).WithRetryAfter(time.Minute), Outcome{FloodWait: time.Minute}},
		{"another node holds the account", live, lease.ErrBusy.WithRetryAfter(5 * time.Second), Outcome{Busy: 5 * time.Second}},
		{"another node, no time said", live, lease.ErrBusy.WithRetryAfter(0), Outcome{Busy: 100 * time.Millisecond}},
		{"a person must act", live, limited, Outcome{Problem: limited}},
		{"the worker stops", stopped, errors.New("context canceled"), Outcome{Stopping: true}},
		{"telegram's server erred", live, telegram.ErrServer, Outcome{Transient: true, Err: telegram.ErrServer}},
		{"the database is out of reach", live, fmt.Errorf("claim: %w", sql.ErrConnDone), Outcome{Transient: true, Err: sql.ErrConnDone}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Classify(c.ctx, c.err)
			if got.FloodWait != c.want.FloodWait || got.Busy != c.want.Busy || got.Problem != c.want.Problem ||
				got.Stopping != c.want.Stopping || got.Transient != c.want.Transient || (got.Err == nil) != (c.want.Err == nil) {
				t.Errorf("Classify(%v) = %+v, want %+v", c.err, got, c.want)
			}
		})
	}
	other := errors.New("something else")
	if got := Classify(live, other); got.Err != other || got.Transient {
		t.Errorf("any other error: %+v, want it for River to retry", got)
	}
}
