package connections

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/telegram"
)

// TestListeningConnectionsRampUp: a node with many connected accounts
// opens at most Opening of them at a time only to listen (opening ten
// thousand at once starved the node's own lease renewal, and it gave
// every account up), while work that waits for a queued account does not
// wait for the ramp.
func TestListeningConnectionsRampUp(t *testing.T) {
	st := storetest.SQLite(t)
	var (
		mu       sync.Mutex
		inFlight int
		peak     int
		opening  = map[int64]bool{}
	)
	hold := make(chan struct{})
	open := func(ctx context.Context, a store.AccountRef, _ telegram.LiveOptions, serve func(context.Context, *tg.Client) error) error {
		mu.Lock()
		inFlight++
		peak = max(peak, inFlight)
		opening[a.AccountID] = true
		mu.Unlock()
		if !Wanted(ctx) {
			// Listening only: comes up when the test lets it.
			select {
			case <-hold:
			case <-ctx.Done():
			}
		}
		mu.Lock()
		inFlight--
		delete(opening, a.AccountID)
		mu.Unlock()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return serve(ctx, &tg.Client{}) // never called
	}
	var refs []store.AccountRef
	for id := int64(1); id <= 10; id++ {
		refs = append(refs, store.AccountRef{UserID: 1, AccountID: id})
	}
	r, err := New(Options{Store: st, Open: open, Opening: 2,
		Connected: func(context.Context) ([]store.AccountRef, error) { return refs, nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer close(hold)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r.Listen(ctx, nil)
	for {
		mu.Lock()
		n := inFlight
		mu.Unlock()
		if n >= 2 || ctx.Err() != nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Work for an account still waiting for its turn opens it at once.
	var queued int64
	mu.Lock()
	for _, a := range refs {
		if !opening[a.AccountID] {
			queued = a.AccountID
			break
		}
	}
	mu.Unlock()
	done := make(chan error, 1)
	go func() {
		done <- r.Do(ctx, store.AccountRef{UserID: 1, AccountID: queued}, func(context.Context, *tg.Client) error { return nil })
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("work on account %d, queued to listen: %v", queued, err)
		}
	case <-ctx.Done():
		t.Fatalf("work on account %d waited for the listening ramp", queued)
	}
	mu.Lock()
	defer mu.Unlock()
	// The two listening opens, and the one for work beside them.
	if peak > 3 {
		t.Errorf("%d connections opened at once, want at most Opening (2) to listen plus 1 for work", peak)
	}
}
