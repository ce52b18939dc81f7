package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

func TestLoginThrottle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		for i := range 3 {
			if err := s.AddLoginFailure(ctx, "email:a@example.com", t0.Add(time.Duration(i)*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.AddLoginFailure(ctx, "ip:127.0.0.1", t0); err != nil {
			t.Fatal(err)
		}
		count := func(key string, since time.Time) int {
			n, err := s.LoginFailuresSince(ctx, key, since)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count("email:a@example.com", t0); n != 3 {
			t.Errorf("since t0: %d, want 3", n)
		}
		if n := count("email:a@example.com", t0.Add(time.Minute)); n != 2 {
			t.Errorf("since t0+1m: %d, want 2", n)
		}
		n, err := s.DeleteLoginFailuresBefore(ctx, t0.Add(time.Minute))
		if err != nil || n != 2 {
			t.Errorf("deleted %d, %v; want 2 (one per key)", n, err)
		}
		if err := s.ClearLoginFailures(ctx, "email:a@example.com"); err != nil {
			t.Fatal(err)
		}
		if n := count("email:a@example.com", time.Time{}); n != 0 {
			t.Errorf("after clear: %d", n)
		}
	})
}
