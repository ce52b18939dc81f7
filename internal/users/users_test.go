package users_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/users"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// fast keeps the tests quick; the real parameters are checked in
// password_test.go.
var fast = users.HashParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newService(s store.Store, signupOpen bool) (*users.Service, *clock) {
	c := &clock{t: time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC)}
	return users.New(s, users.Options{SignupOpen: signupOpen, Hash: fast, Now: c.Now}), c
}

func TestSignUpRejectsBadInputAndWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		svc, _ := newService(s, true)
		if _, err := svc.SignUp(ctx, "Ann@Example.com ", "long enough password"); err != nil {
			t.Fatalf("good sign-up: %v", err)
		}
		for _, tc := range []struct {
			name, email, password, field, code string
		}{
			{"malformed email", "ann.example.com", "long enough password", "email", "validation_failed"},
			{"email without domain dot", "ann@example", "long enough password", "email", "validation_failed"},
			{"empty email", "  ", "long enough password", "email", "validation_failed"},
			{"short password", "bob@example.com", "123456789", "password", "validation_failed"},
			{"duplicate email, other case", "ANN@example.com", "another long password", "email", "email_taken"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := svc.SignUp(ctx, tc.email, tc.password)
				e, ok := apperr.As(err)
				if !ok {
					t.Fatalf("SignUp(%q) = %v, want an *apperr.Error", tc.email, err)
				}
				if e.Field != tc.field || e.Code != tc.code || e.Message == "" {
					t.Fatalf("SignUp(%q) = %+v, want code %s on field %s", tc.email, e, tc.code, tc.field)
				}
			})
		}
		list, err := svc.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Email != "ann@example.com" {
			t.Fatalf("users after bad sign-ups = %+v, want only ann@example.com", list)
		}
	})
}

// TestNobodyIsAdminByBeingFirst: a stranger who reaches a fresh instance's
// sign-up page first gets an ordinary account; only Create with Admin (the
// CLI's --admin) makes an administrator.
func TestNobodyIsAdminByBeingFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		svc, _ := newService(s, true)
		first, err := svc.SignUp(ctx, "first@example.com", "long enough password")
		if err != nil {
			t.Fatal(err)
		}
		second, err := svc.SignUp(ctx, "second@example.com", "long enough password")
		if err != nil {
			t.Fatal(err)
		}
		forced, err := svc.Create(ctx, users.NewUser{Email: "ops@example.com", Password: "long enough password", Admin: true})
		if err != nil {
			t.Fatal(err)
		}
		if first.IsAdmin || second.IsAdmin || !forced.IsAdmin {
			t.Fatalf("admin flags: first=%v second=%v forced=%v, want false false true", first.IsAdmin, second.IsAdmin, forced.IsAdmin)
		}
	})
}

func TestClosedSignupRefusesButCLICreates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		svc, _ := newService(s, false)
		if _, err := svc.SignUp(ctx, "ann@example.com", "long enough password"); !errors.Is(err, users.ErrSignupClosed) {
			t.Fatalf("SignUp with sign-up closed = %v, want ErrSignupClosed", err)
		}
		if _, err := svc.Create(ctx, users.NewUser{Email: "ann@example.com", Password: "long enough password"}); err != nil {
			t.Fatalf("Create with sign-up closed: %v", err)
		}
	})
}

func TestAuthenticate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		svc, _ := newService(s, true)
		u, err := svc.SignUp(ctx, "ann@example.com", "long enough password")
		if err != nil {
			t.Fatal(err)
		}
		got, err := svc.Authenticate(ctx, " ANN@example.com", "long enough password", "10.0.0.1")
		if err != nil || got.ID != u.ID {
			t.Fatalf("Authenticate with the right password = %+v, %v", got, err)
		}
		if _, err := svc.Authenticate(ctx, "ann@example.com", "wrong password!", "10.0.0.1"); !errors.Is(err, users.ErrInvalidLogin) {
			t.Fatalf("wrong password: %v, want ErrInvalidLogin", err)
		}
		if _, err := svc.Authenticate(ctx, "nobody@example.com", "long enough password", "10.0.0.1"); !errors.Is(err, users.ErrInvalidLogin) {
			t.Fatalf("unknown email: %v, want ErrInvalidLogin", err)
		}
		if err := svc.SetPassword(ctx, "ann@example.com", "a brand new password"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Authenticate(ctx, "ann@example.com", "a brand new password", "10.0.0.1"); err != nil {
			t.Fatalf("log in with the new password: %v", err)
		}
	})
}

func TestFailedLoginsAreThrottledPerEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		svc, clk := newService(s, true)
		if _, err := svc.SignUp(ctx, "ann@example.com", "long enough password"); err != nil {
			t.Fatal(err)
		}
		// Four failures a minute apart are only "incorrect"; the fifth
		// reaches the limit and already says when to come back.
		for i := range 4 {
			if _, err := svc.Authenticate(ctx, "ann@example.com", "wrong password!", "10.0.0.1"); !errors.Is(err, users.ErrInvalidLogin) {
				t.Fatalf("failure %d: %v, want ErrInvalidLogin", i+1, err)
			}
			clk.Add(time.Minute)
		}
		_, err := svc.Authenticate(ctx, "ann@example.com", "wrong password!", "10.0.0.2")
		e, ok := apperr.As(err)
		if !ok || !errors.Is(err, users.ErrTooManyAttempts) || e.HTTPStatus() != 429 {
			t.Fatalf("fifth failure: %v, want ErrTooManyAttempts (429)", err)
		}
		// The first lock lasts 15 minutes from the last failure.
		if e.RetryAfter != 15*time.Minute {
			t.Fatalf("RetryAfter = %v, want 15m", e.RetryAfter)
		}
		if !strings.Contains(e.Hint, "Try again in 15 minutes") {
			t.Fatalf("hint %q does not say when to try again", e.Hint)
		}

		// Locked out even with the right password, from any address.
		if _, err := svc.Authenticate(ctx, "ann@example.com", "long enough password", "10.9.9.9"); !errors.Is(err, users.ErrTooManyAttempts) {
			t.Fatalf("right password while locked out: %v, want ErrTooManyAttempts", err)
		}
		// Another email from the same address is not locked.
		if _, err := svc.Authenticate(ctx, "bob@example.com", "whatever pass", "10.0.0.1"); !errors.Is(err, users.ErrInvalidLogin) {
			t.Fatalf("other email: %v, want ErrInvalidLogin", err)
		}

		clk.Add(15*time.Minute + time.Second)
		if _, err := svc.Authenticate(ctx, "ann@example.com", "long enough password", "10.0.0.1"); err != nil {
			t.Fatalf("log in after the window: %v", err)
		}
	})
}

func TestFailedLoginsAreThrottledPerIP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		svc, _ := newService(s, true)
		var err error
		for i := range users.DefaultThrottle.PerIP {
			// A different email each time: only the address ties them.
			_, err = svc.Authenticate(ctx, "guess"+string(rune('a'+i))+"@example.com", "wrong password!", "192.0.2.7")
		}
		if !errors.Is(err, users.ErrTooManyAttempts) {
			t.Fatalf("after %d failures from one IP: %v, want ErrTooManyAttempts", users.DefaultThrottle.PerIP, err)
		}
		if _, err := svc.Authenticate(ctx, "guessz@example.com", "wrong password!", "192.0.2.8"); !errors.Is(err, users.ErrInvalidLogin) {
			t.Fatalf("another IP: %v, want ErrInvalidLogin", err)
		}
	})
}

// TestLocksGrowWithEachRound: a guesser gets a few tries per pause, and
// each round of failures within a day doubles the pause (15 min, 30 min,
// 1 h, …), so guessing slows down instead of going on at a fixed rate.
func TestLocksGrowWithEachRound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		svc, clk := newService(s, true)
		if _, err := svc.SignUp(ctx, "ann@example.com", "long enough password"); err != nil {
			t.Fatal(err)
		}
		for round, want := range []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour} {
			var err error
			for i := range users.DefaultThrottle.PerEmail {
				// Another address each time: only the email ties them.
				_, err = svc.Authenticate(ctx, "ann@example.com", "guess", fmt.Sprintf("198.51.100.%d", round*10+i))
			}
			e, ok := apperr.As(err)
			if !ok || !errors.Is(err, users.ErrTooManyAttempts) || e.RetryAfter != want {
				t.Fatalf("round %d: %v (retry after %v), want a lock of %v", round+1, err, e.RetryAfter, want)
			}
			clk.Add(want - time.Second)
			if _, err := svc.Authenticate(ctx, "ann@example.com", "long enough password", "203.0.113.1"); !errors.Is(err, users.ErrTooManyAttempts) {
				t.Fatalf("round %d: a second before the lock ends: %v", round+1, err)
			}
			clk.Add(time.Second)
		}
		if _, err := svc.Authenticate(ctx, "ann@example.com", "long enough password", "203.0.113.1"); err != nil {
			t.Fatalf("after the last lock: %v", err)
		}
	})
}
