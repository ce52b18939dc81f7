package audit_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var now = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

// TestRecordKeepsTheEmailOfTheMoment: a person known only by id is
// written with their email as it is now, and the actor and the workspace
// stay two values.
func TestRecordKeepsTheEmailOfTheMoment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		u, err := s.CreateUser(ctx, store.NewUser{Email: "ann@example.com", PasswordHash: "x", Now: now})
		if err != nil {
			t.Fatal(err)
		}
		const workspace = 9001
		if err := audit.Record(ctx, s, now, workspace, audit.Actor{UserID: u.ID, IP: "192.0.2.1"},
			audit.Event{Action: audit.WebhookCreated, TargetKind: audit.TargetWebhook, TargetID: 3, TargetLabel: "https://example.com/h"}); err != nil {
			t.Fatal(err)
		}
		got, err := s.AuditEventsPage(ctx, workspace, store.AuditFilter{}, 0, 10)
		if err != nil || len(got) != 1 || got[0].ActorUserID != u.ID || got[0].ActorEmail != "ann@example.com" || got[0].WorkspaceID != workspace {
			t.Errorf("recorded %+v (%v)", got, err)
		}
	})
}

// failing is a store that refuses every audit event.
type failing struct{ store.Store }

func (failing) AddAuditEvent(context.Context, store.AuditEvent) (store.AuditEvent, error) {
	return store.AuditEvent{}, errors.New("disk full")
}

// TestRecordAfterIsNotSilent: an event that cannot be written after its
// change is logged as an error holding the whole event.
func TestRecordAfterIsNotSilent(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	audit.RecordAfter(context.Background(), failing{storetest.SQLite(t)}, log, now, 7,
		audit.Actor{UserID: 7, Email: "ann@example.com", IP: "192.0.2.9"},
		audit.Event{Action: audit.MemberListExported, TargetKind: audit.TargetMemberList, TargetID: 12, TargetLabel: "Meetup", Detail: "CSV, 5 members"})
	line := buf.String()
	for _, want := range []string{"level=ERROR", "audit event not recorded", "action=member_list_exported", "actor_email=ann@example.com",
		"ip=192.0.2.9", "target_id=12", "target=Meetup", "disk full"} {
		if !strings.Contains(line, want) {
			t.Errorf("log line lacks %q: %s", want, line)
		}
	}
	if err := audit.Record(context.Background(), failing{storetest.SQLite(t)}, now, 7, audit.Actor{}, audit.Event{Action: audit.SignedIn}); err == nil {
		t.Error("Record hid the failure")
	}
}

func TestEveryActionHasALabel(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range audit.Actions() {
		if seen[a.Name] || a.Label == "" || strings.Contains(a.Label, "_") || !audit.Known(a.Name) {
			t.Errorf("action %+v: duplicate or unlabelled", a)
		}
		seen[a.Name] = true
	}
	if audit.Known("dropped_tables") {
		t.Error("an unknown action is known")
	}
	st := storetest.SQLite(t)
	if err := audit.Record(context.Background(), st, now, 1, audit.Actor{}, audit.Event{Action: "dropped_tables"}); err == nil {
		t.Error("an unknown action was recorded")
	}
	if got, _ := st.AuditEventsPage(context.Background(), 1, store.AuditFilter{}, 0, 10); len(got) != 0 {
		t.Errorf("recorded %+v", got)
	}
}
