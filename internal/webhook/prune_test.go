package webhook

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestPruneKeepsItsRetention: the pruning job deletes finished deliveries
// older than the service's retention (default 30 days), more than a batch
// of them, keeps newer ones, and deletes nothing when told to keep.
func TestPruneKeepsItsRetention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
		u, err := st.CreateUser(ctx, store.NewUser{Email: "p@example.com", PasswordHash: "x", Now: now})
		if err != nil {
			t.Fatal(err)
		}
		ep, err := st.CreateWebhookEndpoint(ctx, store.NewWebhookEndpoint{UserID: u.ID, URL: "https://h.example.com", SecretSealed: []byte{1},
			Events: []string{"delivery.sent"}, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		add := func(n int, finished time.Time, prefix string) {
			for i := range n {
				d, err := st.CreateWebhookDelivery(ctx, store.NewWebhookDelivery{EndpointID: ep.ID, UserID: u.ID,
					EventID: prefix + time.Duration(i).String(), EventType: "delivery.sent", Body: "{}", Now: finished})
				if err != nil {
					t.Fatal(err)
				}
				if finished.IsZero() {
					continue
				}
				if _, err := st.RecordWebhookAttempt(ctx, store.WebhookAttempt{ID: d.ID, State: store.WebhookDelivered, Status: 204, Now: finished}); err != nil {
					t.Fatal(err)
				}
			}
		}
		add(pruneBatch+3, now.Add(-31*24*time.Hour), "old")
		add(2, now.Add(-29*24*time.Hour), "new")
		left := func() int {
			ds, err := st.WebhookDeliveries(ctx, u.ID, ep.ID, 10_000)
			if err != nil {
				t.Fatal(err)
			}
			return len(ds)
		}
		clock := func() time.Time { return now }
		keep := &Service{st: st, o: Options{Retention: -1}, log: slog.New(slog.DiscardHandler)}
		keep.o.Now = clock
		if err := (&pruneWorker{s: keep}).Work(ctx, nil); err != nil || left() != pruneBatch+5 {
			t.Fatalf("told to keep: %d left (%v), want all %d", left(), err, pruneBatch+5)
		}
		def := &Service{st: st, log: slog.New(slog.DiscardHandler)}
		def.o.Now = clock
		if err := (&pruneWorker{s: def}).Work(ctx, nil); err != nil || left() != 2 {
			t.Fatalf("default retention: %d left (%v), want the 2 newer", left(), err)
		}
	})
}
