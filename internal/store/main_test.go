package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// t0 has nanoseconds on purpose: the store keeps microseconds on both
// engines.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

func mustUser(t *testing.T, s store.Queries, email string) store.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), store.NewUser{Email: email, PasswordHash: "$argon2id$x", Now: t0})
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}
