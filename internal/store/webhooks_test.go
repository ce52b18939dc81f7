package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

func TestWebhookEndpoints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@example.com")
		bob := mustUser(t, s, "bob@example.com")
		events := []string{"delivery.sent", "campaign.completed"}
		first, err := s.CreateWebhookEndpoint(ctx, store.NewWebhookEndpoint{UserID: ann.ID, URL: "https://crm.example/hook",
			SecretSealed: []byte("sealed"), Events: events, Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(first.Events, events) || string(first.SecretSealed) != "sealed" || !first.CreatedAt.Equal(t0.Truncate(time.Microsecond)) || !first.DisabledAt.IsZero() {
			t.Errorf("created %+v", first)
		}
		second, err := s.CreateWebhookEndpoint(ctx, store.NewWebhookEndpoint{UserID: ann.ID, URL: "http://127.0.0.1:9/x",
			SecretSealed: []byte("s2"), Events: []string{"message.received"}, Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		list, err := s.WebhookEndpoints(ctx, ann.ID)
		if err != nil || len(list) != 2 || list[0].ID != second.ID || list[1].ID != first.ID {
			t.Fatalf("ann's endpoints, newest first: %+v %v", list, err)
		}
		if list, _ := s.WebhookEndpoints(ctx, bob.ID); len(list) != 0 {
			t.Errorf("bob sees %+v", list)
		}
		if _, err := s.WebhookEndpoint(ctx, bob.ID, first.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bob reads ann's endpoint: %v", err)
		}
		if err := s.DisableWebhookEndpoint(ctx, bob.ID, first.ID, t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bob disables ann's endpoint: %v", err)
		}
		if err := s.DisableWebhookEndpoint(ctx, ann.ID, first.ID, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.DisableWebhookEndpoint(ctx, ann.ID, first.ID, t0.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("disabled twice: %v", err)
		}
		if _, err := s.WebhookEndpoint(ctx, ann.ID, first.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a deleted endpoint is still read: %v", err)
		}
		if list, _ := s.WebhookEndpoints(ctx, ann.ID); len(list) != 1 || list[0].ID != second.ID {
			t.Errorf("after delete: %+v", list)
		}
	})
}

func TestWebhookDeliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@example.com")
		bob := mustUser(t, s, "bob@example.com")
		ep, err := s.CreateWebhookEndpoint(ctx, store.NewWebhookEndpoint{UserID: ann.ID, URL: "https://crm.example/hook",
			SecretSealed: []byte("sealed"), Events: []string{"delivery.sent"}, Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		var d store.WebhookDelivery
		err = s.InTx(ctx, func(tx store.Tx) error {
			d, err = tx.CreateWebhookDelivery(ctx, store.NewWebhookDelivery{EndpointID: ep.ID, UserID: ann.ID,
				EventID: "evt_1", EventType: "delivery.sent", Body: `{"id":"evt_1"}`, Now: t0})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if d.State != store.WebhookPending || d.Attempts != 0 || !d.NextAttemptAt.Equal(t0.Truncate(time.Microsecond)) || !d.FinishedAt.IsZero() {
			t.Errorf("new delivery %+v", d)
		}
		if _, err := s.CreateWebhookDelivery(ctx, store.NewWebhookDelivery{EndpointID: ep.ID, UserID: ann.ID,
			EventID: "evt_1", EventType: "delivery.sent", Body: "{}", Now: t0}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("the same event twice: %v, want ErrConflict", err)
		}

		retry := t0.Add(10 * time.Second)
		ok, err := s.RecordWebhookAttempt(ctx, store.WebhookAttempt{ID: d.ID, State: store.WebhookPending, Status: 500,
			Error: "HTTP 500: oops", NextAttemptAt: retry, Now: t0.Add(time.Second)})
		if err != nil || !ok {
			t.Fatalf("retry recorded: %v %v", ok, err)
		}
		ok, err = s.RecordWebhookAttempt(ctx, store.WebhookAttempt{ID: d.ID, State: store.WebhookDelivered, Status: 204,
			NextAttemptAt: retry, Now: retry})
		if err != nil || !ok {
			t.Fatalf("delivery recorded: %v %v", ok, err)
		}
		// A late outcome of a second attempt does not overwrite the first.
		if ok, err := s.RecordWebhookAttempt(ctx, store.WebhookAttempt{ID: d.ID, State: store.WebhookFailed, Status: 500,
			NextAttemptAt: retry, Now: retry}); err != nil || ok {
			t.Errorf("an attempt on a delivered event: %v %v", ok, err)
		}
		got, gotEP, err := s.WebhookDeliveryForWork(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != store.WebhookDelivered || got.Attempts != 2 || got.LastStatus != 204 || got.LastError != "" ||
			!got.FinishedAt.Equal(retry.Truncate(time.Microsecond)) || gotEP.ID != ep.ID || string(gotEP.SecretSealed) != "sealed" {
			t.Errorf("after delivery: %+v %+v", got, gotEP)
		}

		for i := 2; i <= 4; i++ {
			if _, err := s.CreateWebhookDelivery(ctx, store.NewWebhookDelivery{EndpointID: ep.ID, UserID: ann.ID,
				EventID: "evt_" + string(rune('0'+i)), EventType: "delivery.sent", Body: "{}", Now: t0}); err != nil {
				t.Fatal(err)
			}
		}
		list, err := s.WebhookDeliveries(ctx, ann.ID, ep.ID, 3)
		if err != nil || len(list) != 3 || list[0].EventID != "evt_4" || list[2].EventID != "evt_2" {
			t.Errorf("latest three: %+v %v", list, err)
		}
		if list, _ := s.WebhookDeliveries(ctx, bob.ID, ep.ID, 10); len(list) != 0 {
			t.Errorf("bob lists ann's deliveries: %+v", list)
		}
		if _, _, err := s.WebhookDeliveryForWork(ctx, 999999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing delivery: %v", err)
		}

		// Pruning takes the finished delivery, not the pending ones.
		if n, err := s.DeleteFinishedWebhookDeliveries(ctx, retry); err != nil || n != 0 {
			t.Errorf("pruned %d finished at the bound: %v", n, err)
		}
		if n, err := s.DeleteFinishedWebhookDeliveries(ctx, retry.Add(time.Second)); err != nil || n != 1 {
			t.Errorf("pruned %d, want the delivered one: %v", n, err)
		}
		if list, _ := s.WebhookDeliveries(ctx, ann.ID, ep.ID, 10); len(list) != 3 {
			t.Errorf("%d left after pruning, want the 3 pending", len(list))
		}
	})
}
