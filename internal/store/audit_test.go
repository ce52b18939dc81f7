package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

func TestAuditEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		const ann, bob = 101, 202 // two workspaces
		add := func(ws, actor int64, action string, at time.Duration) store.AuditEvent {
			t.Helper()
			e, err := s.AddAuditEvent(ctx, store.AuditEvent{
				WorkspaceID: ws, ActorUserID: actor, ActorEmail: fmt.Sprintf("u%d@example.com", actor), Action: action,
				TargetKind: "campaign", TargetID: 7, TargetLabel: "Spring sale", Detail: "d", IP: "192.0.2.1", CreatedAt: t0.Add(at),
			})
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		first := add(ann, 1, "signed_in", 0)
		if first.ID == 0 || first.WorkspaceID != ann || first.ActorUserID != 1 || first.IP != "192.0.2.1" ||
			first.TargetLabel != "Spring sale" || !first.CreatedAt.Equal(t0.Truncate(time.Microsecond)) {
			t.Errorf("added %+v", first)
		}
		for i := 1; i < 5; i++ {
			add(ann, 2, "campaign_started", time.Duration(i)*time.Second)
		}
		bobs := add(bob, 3, "signed_in", time.Minute)
		// Background work has no person.
		bg, err := s.AddAuditEvent(ctx, store.AuditEvent{WorkspaceID: ann, Action: "campaign_paused", CreatedAt: t0.Add(time.Hour)})
		if err != nil || bg.ActorUserID != 0 {
			t.Fatalf("background event %+v: %v", bg, err)
		}

		// Paged newest first; each page follows the last id of the one before.
		var seen []int64
		for before := int64(0); ; {
			page, err := s.AuditEventsPage(ctx, ann, store.AuditFilter{}, before, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page {
				if e.WorkspaceID != ann {
					t.Errorf("workspace %d's page has %+v", ann, e)
				}
				seen = append(seen, e.ID)
			}
			if len(page) < 2 {
				break
			}
			before = page[len(page)-1].ID
		}
		if len(seen) != 6 || seen[0] != bg.ID || seen[5] != first.ID {
			t.Errorf("pages gave %v, want 6 events from %d down to %d", seen, bg.ID, first.ID)
		}
		for i := 1; i < len(seen); i++ {
			if seen[i] >= seen[i-1] {
				t.Errorf("not newest first: %v", seen)
			}
		}

		// Filters.
		count := func(f store.AuditFilter) int {
			t.Helper()
			page, err := s.AuditEventsPage(ctx, ann, f, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			return len(page)
		}
		if n := count(store.AuditFilter{Action: "campaign_started"}); n != 4 {
			t.Errorf("by action: %d, want 4", n)
		}
		if n := count(store.AuditFilter{ActorUserID: 1}); n != 1 {
			t.Errorf("by person: %d, want 1", n)
		}
		if n := count(store.AuditFilter{TargetKind: "campaign", TargetID: 7}); n != 5 {
			t.Errorf("by target: %d, want 5", n)
		}
		if n := count(store.AuditFilter{TargetKind: "campaign", TargetID: 8}); n != 0 {
			t.Errorf("by another target: %d, want 0", n)
		}

		// Isolation: the other workspace sees only its own.
		page, err := s.AuditEventsPage(ctx, bob, store.AuditFilter{}, 0, 100)
		if err != nil || len(page) != 1 || page[0].ID != bobs.ID {
			t.Errorf("workspace %d sees %+v (%v), want only its event", bob, page, err)
		}
		if page, _ := s.AuditEventsPage(ctx, bob, store.AuditFilter{ActorUserID: 1}, 0, 100); len(page) != 0 {
			t.Errorf("another workspace's person filters into %+v", page)
		}
		actors, err := s.AuditActors(ctx, ann, 10)
		if err != nil || len(actors) != 2 || actors[0] != (store.AuditActor{UserID: 1, Email: "u1@example.com"}) {
			t.Errorf("actors %+v (%v), want persons 1 and 2 only", actors, err)
		}

		// Written in a transaction, an event goes with it.
		rollback := fmt.Errorf("rolled back")
		err = s.InTx(ctx, func(tx store.Tx) error {
			if _, err := tx.AddAuditEvent(ctx, store.AuditEvent{WorkspaceID: ann, Action: "webhook_created", CreatedAt: t0}); err != nil {
				return err
			}
			return rollback
		})
		if err != rollback || count(store.AuditFilter{Action: "webhook_created"}) != 0 {
			t.Errorf("a rolled-back transaction left its event (%v)", err)
		}

		// Nothing can change or delete an event, even by hand.
		for _, q := range []string{
			"UPDATE audit_events SET action = 'x'",
			"DELETE FROM audit_events",
		} {
			if _, err := s.DB().ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want the append-only refusal", q, err)
			}
		}
		if n := count(store.AuditFilter{}); n != 6 {
			t.Errorf("%d events after the refused writes, want 6", n)
		}
	})
}

// TestAuditLogIsAppendOnly keeps any path to change or delete an audit
// event out of the store: no query updates or deletes audit_events, and
// the store's Audit interface only adds and reads.
func TestAuditLogIsAppendOnly(t *testing.T) {
	files, err := filepath.Glob("queries/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no queries found (%v)", err)
	}
	writes := regexp.MustCompile(`(?is)\b(UPDATE|DELETE\s+FROM|TRUNCATE(\s+TABLE)?|INSERT\s+INTO\s+\w+\s.*ON\s+CONFLICT)\s+audit_events\b`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range strings.Split(string(b), "-- name:") {
			if m := writes.FindString(q); m != "" {
				t.Errorf("%s: %q changes audit_events; the audit log is append-only", f, m)
			}
		}
	}
	audit := reflect.TypeFor[store.Audit]()
	allowed := regexp.MustCompile(`^(Add\w+|\w+Page|AuditActors)$`)
	for i := range audit.NumMethod() {
		if name := audit.Method(i).Name; !allowed.MatchString(name) {
			t.Errorf("store.Audit has %s: the audit log only adds and reads", name)
		}
	}
	// No other store method names the audit log (a prune, an update).
	queries := reflect.TypeFor[store.Queries]()
	for i := range queries.NumMethod() {
		name := queries.Method(i).Name
		if _, ok := audit.MethodByName(name); !ok && strings.Contains(strings.ToLower(name), "audit") {
			t.Errorf("store method %s touches the audit log outside store.Audit", name)
		}
	}
}
