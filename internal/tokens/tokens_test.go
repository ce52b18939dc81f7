package tokens_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/tokens"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func user(t *testing.T, s store.Store, email string) store.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), store.NewUser{Email: email, PasswordHash: "x", Now: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestTokenLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		svc := tokens.New(s)
		ann, bob := user(t, s, "ann@example.com"), user(t, s, "bob@example.com")

		plain, tok, err := svc.Create(ctx, ann.ID, "  CRM sync ")
		if err != nil {
			t.Fatal(err)
		}
		value := plain.Reveal()
		if !strings.HasPrefix(value, tokens.Prefix) || len(value) < 40 || tok.Name != "CRM sync" || !strings.HasPrefix(value, tok.Prefix) {
			t.Fatalf("token %q (%+v) does not look right", value, tok)
		}

		got, _, err := svc.Authenticate(ctx, value)
		if err != nil || got.ID != ann.ID {
			t.Fatalf("Authenticate = %+v, %v; want ann", got, err)
		}
		list, err := svc.List(ctx, ann.ID)
		if err != nil || len(list) != 1 || list[0].LastUsedAt.IsZero() {
			t.Fatalf("List = %+v, %v; want one used token", list, err)
		}

		if err := svc.Revoke(ctx, bob.ID, tok.ID); !errors.Is(err, apperr.NotFound("")) {
			t.Fatalf("bob revoking ann's token: %v, want not_found", err)
		}
		if err := svc.Revoke(ctx, ann.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Authenticate(ctx, value); !errors.Is(err, tokens.ErrInvalidToken) {
			t.Fatalf("revoked token: %v, want ErrInvalidToken", err)
		}
		for _, bad := range []string{"", "tgm_nope", "Bearer " + value, value[:len(value)-1]} {
			if _, _, err := svc.Authenticate(ctx, bad); !errors.Is(err, tokens.ErrInvalidToken) {
				t.Fatalf("Authenticate(%q) = %v, want ErrInvalidToken", bad, err)
			}
		}
	})
}

func TestTokenNameIsValidated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		svc := tokens.New(s)
		ann := user(t, s, "ann@example.com")
		for _, name := range []string{"", "   ", strings.Repeat("x", 101)} {
			_, _, err := svc.Create(ctx, ann.ID, name)
			if e, ok := apperr.As(err); !ok || e.Field != "name" {
				t.Fatalf("Create(%q) = %v, want a validation error on name", name, err)
			}
		}
		if list, _ := svc.List(ctx, ann.ID); len(list) != 0 {
			t.Fatalf("bad names created tokens: %+v", list)
		}
	})
}

// TestTokenNameMustBeText: a name that is not valid UTF-8 is refused.
func TestTokenNameMustBeText(t *testing.T) {
	s := storetest.SQLite(t)
	u, err := s.CreateUser(context.Background(), store.NewUser{Email: "ann@example.com", PasswordHash: "x", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = tokens.New(s).Create(context.Background(), u.ID, "ci\xff")
	if e, ok := apperr.As(err); !ok || e.Field != "name" {
		t.Fatalf("invalid UTF-8 name: %v", err)
	}
}

// TestTokenChangesGoWithTheirAuditRecord: a token is created or revoked
// only with its line in the audit log; when the log cannot take it, the
// change is refused, not made silently.
func TestTokenChangesGoWithTheirAuditRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := audit.WithActor(context.Background(), audit.Actor{UserID: 1, Email: "ann@example.com", IP: "192.0.2.7"})
		svc := tokens.New(s)
		ann := user(t, s, "ann@example.com")
		_, tok, err := svc.Create(ctx, ann.ID, "kept")
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Revoke(ctx, ann.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		if err := svc.Revoke(ctx, ann.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		log, err := s.AuditEventsPage(ctx, ann.ID, store.AuditFilter{}, 0, 10)
		if err != nil || len(log) != 2 || log[0].Action != audit.TokenDeleted || log[1].Action != audit.TokenCreated ||
			log[0].TargetID != tok.ID || log[0].IP != "192.0.2.7" || log[0].ActorEmail != "ann@example.com" || !strings.Contains(log[1].TargetLabel, "kept") {
			t.Fatalf("audit log %+v (%v), want created then revoked once, by ann", log, err)
		}

		_, live, err := svc.Create(ctx, ann.ID, "live")
		if err != nil {
			t.Fatal(err)
		}
		// The log's table gone: nothing can be recorded, so nothing changes.
		if _, err := s.DB().ExecContext(ctx, "DROP TABLE audit_events"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Create(ctx, ann.ID, "unrecorded"); err == nil {
			t.Error("a token was created without its audit record")
		}
		if err := svc.Revoke(ctx, ann.ID, live.ID); err == nil {
			t.Error("a token was revoked without its audit record")
		}
		list, _ := s.ListTokens(ctx, ann.ID)
		for _, tk := range list {
			if tk.Name == "unrecorded" || tk.ID == live.ID && !tk.RevokedAt.IsZero() {
				t.Errorf("a refused change was stored: %+v", tk)
			}
		}
	})
}
