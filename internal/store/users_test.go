package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestOnlyForcedUsersAreAdmins: nobody is an administrator by being
// first (a stranger could sign up on a new instance before its owner);
// only ForceAdmin (the CLI's --admin) makes one.
func TestOnlyForcedUsersAreAdmins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		first := mustUser(t, s, "a@example.com")
		second := mustUser(t, s, "b@example.com")
		forced, err := s.CreateUser(ctx, store.NewUser{Email: "c@example.com", PasswordHash: "h", ForceAdmin: true, Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		if first.IsAdmin || second.IsAdmin || !forced.IsAdmin {
			t.Errorf("admins: first %v second %v forced %v, want false false true", first.IsAdmin, second.IsAdmin, forced.IsAdmin)
		}
	})
}

// TestConcurrentFirstSignupsMakeNoAdmin: sign-ups racing on an empty
// instance all succeed, and none becomes an administrator.
func TestConcurrentFirstSignupsMakeNoAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		const n = 16
		var wg sync.WaitGroup
		errs := make(chan error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				_, err := s.CreateUser(context.Background(), store.NewUser{
					Email: string(rune('a'+i)) + "@example.com", PasswordHash: "h", Now: t0,
				})
				errs <- err
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		users, err := s.ListUsers(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		admins := 0
		for _, u := range users {
			if u.IsAdmin {
				admins++
			}
		}
		if len(users) != n || admins != 0 {
			t.Errorf("%d users, %d admins; want %d users, no admin", len(users), admins, n)
		}
	})
}

func TestUserRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "a@example.com")
		want := store.User{ID: u.ID, Email: "a@example.com", PasswordHash: "$argon2id$x", IsAdmin: false,
			CreatedAt: t0.Truncate(time.Microsecond), UpdatedAt: t0.Truncate(time.Microsecond)}
		if u != want {
			t.Errorf("created %+v, want %+v", u, want)
		}
		for name, get := range map[string]func() (store.User, error){
			"by id":    func() (store.User, error) { return s.UserByID(ctx, u.ID) },
			"by email": func() (store.User, error) { return s.UserByEmail(ctx, "a@example.com") },
		} {
			got, err := get()
			if err != nil || got != want {
				t.Errorf("%s: %+v, %v; want %+v", name, got, err, want)
			}
			if got.CreatedAt.Location() != time.UTC {
				t.Errorf("%s: CreatedAt in %v, want UTC", name, got.CreatedAt.Location())
			}
		}
	})
}

func TestUserErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "a@example.com")
		if _, err := s.CreateUser(ctx, store.NewUser{Email: "a@example.com", PasswordHash: "h", Now: t0}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate email: %v, want ErrConflict", err)
		}
		if _, err := s.UserByID(ctx, u.ID+1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing id: %v, want ErrNotFound", err)
		}
		if _, err := s.UserByEmail(ctx, "nobody@example.com"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing email: %v, want ErrNotFound", err)
		}
		if err := s.SetUserPassword(ctx, u.ID+1, "h", t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("password of missing user: %v, want ErrNotFound", err)
		}
	})
}

func TestSetUserPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "a@example.com")
		later := t0.Add(time.Hour)
		if err := s.SetUserPassword(ctx, u.ID, "new", later); err != nil {
			t.Fatal(err)
		}
		got, err := s.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.PasswordHash != "new" || !got.UpdatedAt.Equal(later.Truncate(time.Microsecond)) || !got.CreatedAt.Equal(u.CreatedAt) {
			t.Errorf("after SetUserPassword: %+v", got)
		}
	})
}

func TestInTxRollsBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := s.InTx(ctx, func(tx store.Tx) error {
			if tx.SQL() == nil {
				t.Error("Tx.SQL() is nil")
			}
			mustUser(t, tx, "a@example.com")
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx: %v, want boom", err)
		}
		if users, _ := s.ListUsers(ctx); len(users) != 0 {
			t.Errorf("rolled-back user is there: %+v", users)
		}
		err = s.InTx(ctx, func(tx store.Tx) error { mustUser(t, tx, "a@example.com"); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if users, _ := s.ListUsers(ctx); len(users) != 1 {
			t.Errorf("committed user missing: %+v", users)
		}
	})
}

// TestSecondSignupWaitsForFirst checks the PostgreSQL lock that keeps two
// simultaneous first sign-ups from both becoming admin: while the first is
// uncommitted, the second must wait, then see it. (SQLite writes one
// transaction at a time by itself.)
func TestSecondSignupWaitsForFirst(t *testing.T) {
	s := storetest.Postgres(t)
	ctx := context.Background()
	second := make(chan store.User, 1)
	err := s.InTx(ctx, func(tx store.Tx) error {
		mustUser(t, tx, "first@example.com")
		go func() {
			u, err := s.CreateUser(ctx, store.NewUser{Email: "second@example.com", PasswordHash: "h", Now: t0})
			if err != nil {
				t.Error(err)
			}
			second <- u
		}()
		deadline := time.Now().Add(10 * time.Second)
		for !waitingOnLock(t, s) {
			select {
			case <-second:
				return errors.New("the second sign-up finished while the first was uncommitted")
			case <-time.After(5 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				return errors.New("the second sign-up never waited for a lock")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if u := <-second; u.IsAdmin {
		t.Error("the second user became admin too")
	}
}

func waitingOnLock(t *testing.T, s store.Store) bool {
	var n int
	err := s.DB().QueryRow(`SELECT COUNT(*) FROM pg_stat_activity
		WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n > 0
}
