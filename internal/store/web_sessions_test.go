package store_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

func TestWebSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		expiry := t0.Add(time.Hour)
		if err := s.SessionCommit(ctx, "tok", []byte("one"), expiry); err != nil {
			t.Fatal(err)
		}
		if err := s.SessionCommit(ctx, "tok", []byte("two"), expiry); err != nil {
			t.Fatal(err)
		}
		data, found, err := s.SessionFind(ctx, "tok", t0)
		if err != nil || !found || !bytes.Equal(data, []byte("two")) {
			t.Errorf("find: %q %v %v; want the second commit", data, found, err)
		}
		if _, found, _ := s.SessionFind(ctx, "tok", expiry); found {
			t.Error("session found at its expiry")
		}
		if _, found, err := s.SessionFind(ctx, "other", t0); found || err != nil {
			t.Errorf("unknown token: found %v err %v", found, err)
		}
		if err := s.SessionDelete(ctx, "tok"); err != nil {
			t.Fatal(err)
		}
		if _, found, _ := s.SessionFind(ctx, "tok", t0); found {
			t.Error("deleted session found")
		}
	})
}

func TestEmptySessionIsFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		if err := s.SessionCommit(ctx, "tok", nil, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		data, found, err := s.SessionFind(ctx, "tok", t0)
		if err != nil || !found || data == nil || len(data) != 0 {
			t.Errorf("find: %q %v %v; want empty, found", data, found, err)
		}
	})
}

func TestSessionDeleteExpired(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		for i, tok := range []string{"a", "b", "c"} {
			if err := s.SessionCommit(ctx, tok, []byte(tok), t0.Add(time.Duration(i)*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		// "a" expires at t0, "b" a minute later, "c" lives on.
		n, err := s.SessionDeleteExpired(ctx, t0.Add(time.Minute))
		if err != nil || n != 2 {
			t.Fatalf("deleted %d, %v; want 2", n, err)
		}
		if _, found, _ := s.SessionFind(ctx, "c", t0); !found {
			t.Error("unexpired session was deleted")
		}
	})
}

func TestTimesInOtherZonesCompareAsInstants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		east := time.FixedZone("east", 10*3600)
		// Expires 12:30 UTC, written as 22:30 in UTC+10.
		if err := s.SessionCommit(ctx, "tok", []byte("x"), t0.Add(30*time.Minute).In(east)); err != nil {
			t.Fatal(err)
		}
		if _, found, _ := s.SessionFind(ctx, "tok", t0.Add(time.Hour)); found {
			t.Error("session found 30 minutes after it expired")
		}
		if _, found, _ := s.SessionFind(ctx, "tok", t0.In(east)); !found {
			t.Error("session not found before it expired")
		}
	})
}
