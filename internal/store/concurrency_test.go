package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/testkit"
)

// TestNodesMigrateTogether starts several nodes on one empty PostgreSQL
// database at once: the advisory lock lets one migrate while the others
// wait, then find nothing left to do.
func TestNodesMigrateTogether(t *testing.T) {
	url := testkit.Postgres(t)
	const nodes = 4
	var wg sync.WaitGroup
	errs := make(chan error, nodes)
	start := make(chan struct{})
	for range nodes {
		wg.Go(func() {
			<-start
			s, err := storeopen.Open(context.Background(), storeopen.Options{DatabaseURL: url})
			if err == nil {
				_, err = s.CreateUser(context.Background(), store.NewUser{Email: fmt.Sprintf("%p@example.com", s), PasswordHash: "h", Now: t0})
				s.Close()
			}
			errs <- err
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestConcurrentWriters: many goroutines writing at once, in and out of
// transactions, never see "database is locked" on SQLite.
func TestConcurrentWriters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		const writers, each = 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					key := fmt.Sprintf("w%d", w)
					if err := s.AddLoginFailure(ctx, key, t0); err != nil {
						errs <- err
					}
					err := s.InTx(ctx, func(tx store.Tx) error {
						// Read, then write: the pattern that fails under
						// deferred SQLite transactions.
						if _, err := tx.LoginFailuresSince(ctx, key, t0); err != nil {
							return err
						}
						return tx.SessionCommit(ctx, fmt.Sprintf("%s-%d", key, i), []byte("x"), t0.Add(time.Hour))
					})
					if err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		n, err := s.SessionDeleteExpired(ctx, t0.Add(2*time.Hour))
		if err != nil || n != writers*each {
			t.Errorf("%d sessions written, %v; want %d", n, err, writers*each)
		}
	})
}
