// Package relay carries a person's Telegram call from a node that does
// not hold the account to the node that does, through the database: the
// call is written as a row (AddAccountCall, which wakes the holder with
// NOTIFY on PostgreSQL), the holder makes it on the account's live
// connection and writes the answer back. A chat list, the sessions page
// or a test send on any node is then answered without moving the account
// off the node that holds it, which may be sending (issue 17).
//
// On SQLite there is one node, which holds every account: nothing is
// relayed there.
package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/telegramate/telegramate/internal/store"
)

// Store is what the relay reads and writes.
type Store interface {
	store.AccountCalls
}

// Make makes a call written for this node on the account's connection
// here and returns Telegram's answer; ErrMoved when the account is not
// held here any more.
type Make func(ctx context.Context, c store.AccountCall) ([]byte, error)

// ErrMoved says the node the call was written for does not hold the
// account any more: ask again where it is now.
var ErrMoved = errors.New("relay: the account moved to another node")

// ErrNotTaken says the node the call was written for did not take it in
// time (it died, or is cut off): the call was withdrawn, never made.
var ErrNotTaken = errors.New("relay: the node holding the account did not take the call")

// movedText is ErrMoved as it travels in a call's row.
const movedText = "telegramate: account moved"

// Options are a Relay's parts and settings.
type Options struct {
	Store Store
	// Node is this node's id (the lease holder's name).
	Node string
	// DatabaseURL is PostgreSQL's, for LISTEN; empty on SQLite, where
	// nothing is relayed.
	DatabaseURL string
	Make        Make
	// Wanted is told when another node asks for an account this one
	// holds (lease.Manager.RenewNow: it gives way at once, not at its
	// next renewal).
	Wanted func()
	// ErrorOf describes a Make error for the caller (code and text, as
	// telegram.RelayError does); default: code 0 and the error's text.
	ErrorOf func(error) (code int, text string)
	// ErrorFrom is the error ErrorOf described, for the caller; default:
	// an error with the text.
	ErrorFrom func(code int, text string) error
	Log       *slog.Logger
	Now       func() time.Time
	// TakeWithin is how long a call may wait to be taken before it is
	// withdrawn (the holder is gone); default 3 s.
	TakeWithin time.Duration
	// AnswerWithin bounds the wait for a taken call's answer beyond the
	// FLOOD_WAIT it may wait out; default 60 s.
	AnswerWithin time.Duration
	// Poll is how often the caller reads its call's row; default 20 ms.
	Poll time.Duration
}

// Relay sends this node's calls to holders, and makes the calls other
// nodes write for this one.
type Relay struct {
	o  Options
	wg sync.WaitGroup
}

// New makes a Relay.
func New(o Options) *Relay {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.TakeWithin <= 0 {
		o.TakeWithin = 3 * time.Second
	}
	if o.AnswerWithin <= 0 {
		o.AnswerWithin = time.Minute
	}
	if o.Poll <= 0 {
		o.Poll = 20 * time.Millisecond
	}
	return &Relay{o: o}
}

// Enabled reports whether calls can be relayed (several nodes can run).
func (r *Relay) Enabled() bool { return r != nil && r.o.DatabaseURL != "" }

// Call has node make the call body (TL) on the account's connection and
// returns Telegram's answer, or its error (Options.ErrorFrom). ErrMoved and ErrNotTaken mean the call
// was not made: find the account's holder again.
func (r *Relay) Call(ctx context.Context, a store.AccountRef, node string, body []byte, floodWaitMax time.Duration) ([]byte, error) {
	id, err := r.o.Store.AddAccountCall(ctx, store.AccountCall{UserID: a.UserID, AccountID: a.AccountID, Body: body, FloodWaitMax: floodWaitMax}, node, r.o.Now().UTC())
	if err != nil {
		return nil, fmt.Errorf("relay a call of account %d to node %s: %w", a.AccountID, node, err)
	}
	written := time.Now()
	t := time.NewTicker(r.o.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			r.withdraw(id)
			return nil, ctx.Err()
		case <-t.C:
		}
		res, err := r.o.Store.AccountCallResultOf(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				continue
			}
			return nil, fmt.Errorf("relayed call %d: %w", id, err)
		}
		waited := time.Since(written)
		switch res.State {
		case "done":
			switch {
			case res.ErrorCode == 0 && res.ErrorText == movedText:
				return nil, ErrMoved
			case res.ErrorCode != 0 || res.ErrorText != "":
				return nil, r.errorFrom(res.ErrorCode, res.ErrorText)
			}
			return res.Result, nil
		case "queued":
			if waited > r.o.TakeWithin && r.withdraw(id) {
				return nil, ErrNotTaken
			}
		case "taken":
			if waited > r.o.TakeWithin+floodWaitMax+r.o.AnswerWithin {
				return nil, fmt.Errorf("relayed call %d: node %s took it but gave no answer within %s", id, node, waited.Round(time.Second))
			}
		default:
			return nil, ErrNotTaken
		}
	}
}

// withdraw cancels a call nobody took; false when it was taken (its
// answer is coming, or the holder died making it).
func (r *Relay) withdraw(id int64) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ok, err := r.o.Store.CancelAccountCall(ctx, id, r.o.Now().UTC())
	return err == nil && ok
}

// Serve makes the calls other nodes write for this one until ctx ends:
// it LISTENs for them (and reads the ones queued while it was not
// listening), reconnecting after a failure. It returns at once on SQLite.
func (r *Relay) Serve(ctx context.Context) {
	if !r.Enabled() {
		return
	}
	defer r.wg.Wait()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.forgetLoop(ctx)
	}()
	wait := time.Second
	for ctx.Err() == nil {
		err := r.listen(ctx)
		if ctx.Err() != nil {
			return
		}
		r.o.Log.Warn("relayed calls: not listening; trying again", slog.Duration("in", wait), slog.Any("err", err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

func (r *Relay) listen(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, r.o.DatabaseURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+store.AccountCallsChannel); err != nil {
		return err
	}
	// Calls written before the LISTEN took hold woke nobody.
	ids, err := r.o.Store.QueuedAccountCalls(ctx, r.o.Node)
	if err != nil {
		return err
	}
	for _, id := range ids {
		r.serve(ctx, id)
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		idText, node, ok := strings.Cut(n.Payload, " ")
		if !ok || node != r.o.Node {
			continue
		}
		if idText == "want" {
			if r.o.Wanted != nil {
				r.o.Wanted()
			}
			continue
		}
		if id, err := strconv.ParseInt(idText, 10, 64); err == nil {
			r.serve(ctx, id)
		}
	}
}

// serve makes one call, on its own: a call waiting out a FLOOD_WAIT must
// not hold up the next.
func (r *Relay) serve(ctx context.Context, id int64) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		c, ok, err := r.o.Store.TakeAccountCall(ctx, id, r.o.Node)
		if err != nil || !ok {
			return
		}
		out, err := r.o.Make(ctx, c)
		var res store.AccountCallResult
		switch {
		case errors.Is(err, ErrMoved):
			res.ErrorText = movedText
		case err != nil:
			res.ErrorCode, res.ErrorText = r.errorOf(err)
		default:
			res.Result = out
		}
		if err := r.o.Store.FinishAccountCall(context.WithoutCancel(ctx), id, res, r.o.Now().UTC()); err != nil {
			r.o.Log.Warn("relayed call's answer not stored", slog.Int64("call", id), slog.Int64("account", c.AccountID), slog.Any("err", err))
		}
	}()
}

func (r *Relay) errorOf(err error) (int, string) {
	if r.o.ErrorOf != nil {
		return r.o.ErrorOf(err)
	}
	return 0, err.Error()
}

func (r *Relay) errorFrom(code int, text string) error {
	if r.o.ErrorFrom != nil {
		return r.o.ErrorFrom(code, text)
	}
	return errors.New(text)
}

// keepCalls is how long a call's row is kept, for the record.
const keepCalls = 24 * time.Hour

// forgetLoop deletes old calls' rows every hour (every node does; the
// deletes are idempotent).
func (r *Relay) forgetLoop(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if _, err := r.o.Store.ForgetAccountCalls(ctx, r.o.Now().UTC().Add(-keepCalls)); err != nil && ctx.Err() == nil {
			r.o.Log.Warn("old relayed calls not deleted", slog.Any("err", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
