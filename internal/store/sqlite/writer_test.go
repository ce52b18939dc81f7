package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
)

// TestWritersTakeTurnsInArrivalOrder: a writer that lets go and asks
// again goes behind those already waiting.
func TestWritersTakeTurnsInArrivalOrder(t *testing.T) {
	var l writerLock
	ctx := context.Background()
	if err := l.lock(ctx, false); err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		order []int
		wg    sync.WaitGroup
	)
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.lock(ctx, false); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			l.unlock()
		}()
		// The next one queues only once this one waits.
		for {
			l.mu.Lock()
			n := len(l.waiters)
			l.mu.Unlock()
			if n == i+1 {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	l.unlock()
	wg.Wait()
	for i, got := range order {
		if got != i {
			t.Fatalf("writers ran in order %v, want arrival order", order)
		}
	}
}

// TestNoTurnWithinTheWaitIsUnavailable: a writer that cannot get its turn
// in time gets an error the web layer answers with 503, and the one that
// gave up does not keep the turn from the next.
func TestNoTurnWithinTheWaitIsUnavailable(t *testing.T) {
	defer func(d time.Duration) { lockWait = d }(lockWait)
	lockWait = 100 * time.Millisecond
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.DB().ExecContext(ctx, "CREATE TABLE t (v INTEGER)"); err != nil {
		t.Fatal(err)
	}
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.DB().ExecContext(ctx, "INSERT INTO t VALUES (1)")
	if !errors.As(err, new(errBusy)) || !store.IsUnavailable(err) {
		t.Fatalf("a write while another holds the turn: %v, want no turn within the wait, unavailable", err)
	}
	// A read does not queue.
	var n int
	if err := s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err != nil {
		t.Fatalf("a read while a write transaction is open: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, "INSERT INTO t VALUES (1)"); err != nil {
		t.Fatalf("a write once the turn is free: %v", err)
	}
}

func TestWrites(t *testing.T) {
	for q, want := range map[string]bool{
		"SELECT 1": false, " select * from t": false, "-- c\nSELECT 1": false, "(SELECT 1)": false,
		"EXPLAIN QUERY PLAN SELECT 1": false, "PRAGMA user_version": false, "PRAGMA user_version = 3": true,
		"INSERT INTO t VALUES (1)": true, "WITH x AS (SELECT 1) DELETE FROM t": true, "UPDATE t SET v=1": true, "": true,
	} {
		if got := writes(q); got != want {
			t.Errorf("writes(%q) = %v, want %v", q, got, want)
		}
	}
}

// TestLeaseRenewalGoesBeforeQueuedWrites: with every pooled connection
// taken by writers queued behind a long transaction (a node starting a
// thousand accounts), the lease renewal still writes as soon as that
// transaction ends, before the queued writers; in line behind them, the
// node gave up every account it held.
func TestLeaseRenewalGoesBeforeQueuedWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	s, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, "CREATE TABLE t (v INTEGER)"); err != nil {
		t.Fatal(err)
	}
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	lock, err := lockOf(path)
	if err != nil {
		t.Fatal(err)
	}
	const queued = 24 // more than the pool's connections
	var (
		wg      sync.WaitGroup
		written atomic.Int32
	)
	for i := range queued {
		wg.Go(func() {
			if _, err := s.DB().ExecContext(ctx, "INSERT INTO t VALUES (?)", i); err != nil {
				t.Error(err)
			}
			written.Add(1)
		})
	}
	// Every pooled connection is in the writers' queue, the rest wait for
	// a connection.
	for {
		lock.mu.Lock()
		n := len(lock.waiters)
		lock.mu.Unlock()
		if n >= 15 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	renewed := make(chan int, 1)
	go func() {
		if _, err := s.RenewLeases(ctx, "node-a", time.Minute); err != nil {
			t.Error(err)
		}
		renewed <- int(written.Load())
	}()
	// The renewal waits too (a moment at most: it may also be waiting
	// for a connection, when there is no pool of its own).
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		lock.mu.Lock()
		n := len(lock.waiters)
		lock.mu.Unlock()
		if n >= 16 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	// A writer or two may have followed the renewal before it counted;
	// in line, every one of them went first.
	if n := <-renewed; n > 2 {
		t.Errorf("the lease renewal wrote after %d of %d queued writes, want before them", n, queued)
	}
	wg.Wait()
}
