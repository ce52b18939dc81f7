package webhook_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/webhook"
)

func endpoint(t *testing.T, svc *webhook.Service, userID, id int64) webhook.Endpoint {
	t.Helper()
	ep, err := svc.Get(context.Background(), userID, id)
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

// TestFailingEndpointWaitsAsAWhole: once an endpoint failed, its other
// events wait for its backoff without an attempt each (no request, no
// attempt counted), while the same user's healthy endpoint gets its events
// at once.
func TestFailingEndpointWaitsAsAWhole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@example.com")
		bad, good := newReceiver(t, "500"), newReceiver(t)
		o := fastOptions(s, testKeyring(t))
		o.Backoff = func(int) time.Duration { return time.Hour }
		svc := newService(t, o)
		_, _ = startJobs(t, s, svc)
		badEp, secret, err := svc.Create(ctx, ann.ID, bad.URL(), []string{webhook.AccountLimited})
		if err != nil {
			t.Fatal(err)
		}
		bad.setSecret(secret)
		goodEp, secret, err := svc.Create(ctx, ann.ID, good.URL(), []string{webhook.DeliverySent})
		if err != nil {
			t.Fatal(err)
		}
		good.setSecret(secret)

		if err := svc.Publish(ctx, ann.ID, webhook.AccountLimited, map[string]any{"id": 1}); err != nil {
			t.Fatal(err)
		}
		testkit.Eventually(t, 30*time.Second, "the bad endpoint's first failure", func() bool {
			return endpoint(t, svc, ann.ID, badEp.ID).Failures == 1
		})
		ep := endpoint(t, svc, ann.ID, badEp.ID)
		if !strings.HasPrefix(ep.LastFailure, "HTTP 500") || ep.FailingSince.IsZero() || time.Until(ep.RetryAt) < 50*time.Minute {
			t.Errorf("after a failure the endpoint is %+v, want its reason, since when, and a retry in an hour", ep)
		}
		for i := range 3 {
			if err := svc.Publish(ctx, ann.ID, webhook.AccountLimited, map[string]any{"id": 2 + i}); err != nil {
				t.Fatal(err)
			}
			if err := svc.Publish(ctx, ann.ID, webhook.DeliverySent, sentData{DeliveryID: int64(i)}); err != nil {
				t.Fatal(err)
			}
		}
		waitDeliveries(t, svc, ann.ID, goodEp.ID, allIn(store.WebhookDelivered, 3))
		// The good endpoint's events were queued after the bad one's and
		// all arrived: had the waiting events been tried, they would have
		// reached the receiver (it answers 204 after its one 500).
		waitJobsIdle := func() bool {
			var n int
			if err := s.DB().QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'webhook_deliver' AND state IN ('available', 'running')`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n == 0
		}
		testkit.Eventually(t, 30*time.Second, "the waiting deliveries to be snoozed", waitJobsIdle)
		if n := len(bad.got()); n != 1 {
			t.Errorf("the failing endpoint got %d requests, want its one failure only", n)
		}
		list, err := svc.Deliveries(ctx, ann.ID, badEp.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range list[:3] {
			if d.State != store.WebhookPending || d.Attempts != 0 {
				t.Errorf("a waiting delivery is %s after %d attempts, want pending after none", d.State, d.Attempts)
			}
		}
	})
}

// TestEndpointDisabledAfterFailingTooLong: an endpoint that fails for
// longer than DisableAfter is disabled once, its owner's other endpoint
// subscribed to webhook.disabled is told once (however many deliveries
// failed past the limit), nothing more is sent to it, and enabling it
// again forgets the failures and sends the next events.
func TestEndpointDisabledAfterFailingTooLong(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@example.com")
		bad := newReceiver(t, "500", "500", "500", "500", "500", "500", "500", "500", "500", "500", "500", "500")
		watcher := newReceiver(t)
		var clock testkit.Clock
		watcher.now = clock.Now
		// Each request to the failing receiver takes 25 minutes on the
		// service's clock, so the one-hour limit passes after a few.
		bad.onRequest = func() { clock.Advance(25 * time.Minute) }
		o := fastOptions(s, testKeyring(t))
		o.Now, o.DisableAfter = clock.Now, time.Hour
		svc := newService(t, o)
		_, _ = startJobs(t, s, svc)
		badEp, secret, err := svc.Create(ctx, ann.ID, bad.URL(), []string{webhook.AccountLimited, webhook.WebhookDisabled})
		if err != nil {
			t.Fatal(err)
		}
		bad.setSecret(secret)
		watchEp, secret, err := svc.Create(ctx, ann.ID, watcher.URL(), []string{webhook.WebhookDisabled})
		if err != nil {
			t.Fatal(err)
		}
		watcher.setSecret(secret)
		for i := range 3 {
			if err := svc.Publish(ctx, ann.ID, webhook.AccountLimited, map[string]any{"id": i}); err != nil {
				t.Fatal(err)
			}
		}
		waitDeliveries(t, svc, ann.ID, badEp.ID, allIn(store.WebhookFailed, 3))
		waitDeliveries(t, svc, ann.ID, watchEp.ID, allIn(store.WebhookDelivered, 1))
		waitJobsDone(t, s)

		ep := endpoint(t, svc, ann.ID, badEp.ID)
		if ep.DisabledAt.IsZero() || ep.FailingSince.IsZero() || ep.DisabledAt.Sub(ep.FailingSince) < time.Hour ||
			!strings.HasPrefix(ep.LastFailure, "HTTP 500") {
			t.Fatalf("endpoint after failing past the limit: %+v, want disabled an hour or more after failing since, with the reason", ep)
		}
		requests := len(bad.got())
		got := watcher.got()
		if len(got) != 1 || got[0].event.Type != webhook.WebhookDisabled {
			t.Fatalf("the watcher got %d requests (%+v), want one webhook.disabled", len(got), got)
		}
		var data struct {
			WebhookID int64  `json:"webhook_id"`
			URL       string `json:"url"`
			LastError string `json:"last_error"`
		}
		raw, _ := json.Marshal(got[0].event.Data)
		if err := json.Unmarshal(raw, &data); err != nil || data.WebhookID != badEp.ID || data.URL != bad.URL() ||
			!strings.HasPrefix(data.LastError, "HTTP 500") {
			t.Errorf("webhook.disabled data %s, want the endpoint's id, URL and last error", raw)
		}
		list, _ := svc.Deliveries(ctx, ann.ID, badEp.ID, 10)
		if !strings.Contains(list[0].LastError, "disabled") && !strings.Contains(list[len(list)-1].LastError, "disabled") {
			t.Errorf("no waiting delivery says the webhook was disabled: %+v", list)
		}

		// Disabled: no delivery is written for it, and a test event is
		// refused with a clear reason.
		if err := svc.Publish(ctx, ann.ID, webhook.AccountLimited, map[string]any{"id": 9}); err != nil {
			t.Fatal(err)
		}
		if l, _ := svc.Deliveries(ctx, ann.ID, badEp.ID, 10); len(l) != 3 {
			t.Errorf("a disabled endpoint got a new delivery: %d, want 3", len(l))
		}
		if _, err := svc.SendTest(ctx, ann.ID, badEp.ID); err == nil {
			t.Error("a test event to a disabled endpoint was queued")
		} else if e, ok := apperr.As(err); !ok || e.Code != "webhook_disabled" {
			t.Errorf("test event to a disabled endpoint: %v", err)
		}

		bad.mu.Lock()
		bad.plan = nil // the receiver is fixed
		bad.now, bad.onRequest = clock.Now, nil
		bad.mu.Unlock()
		if err := svc.Enable(ctx, ann.ID+1000, badEp.ID); err == nil {
			t.Error("another user enabled ann's webhook")
		}
		if err := svc.Enable(ctx, ann.ID, badEp.ID); err != nil {
			t.Fatal(err)
		}
		ep = endpoint(t, svc, ann.ID, badEp.ID)
		if !ep.DisabledAt.IsZero() || ep.Failures != 0 || !ep.FailingSince.IsZero() || ep.LastFailure != "" || !ep.RetryAt.IsZero() {
			t.Errorf("enabled endpoint %+v, want its failures forgotten", ep)
		}
		if err := svc.Publish(ctx, ann.ID, webhook.AccountLimited, map[string]any{"id": 10}); err != nil {
			t.Fatal(err)
		}
		waitDeliveries(t, svc, ann.ID, badEp.ID, func(l []store.WebhookDelivery) bool {
			return len(l) == 4 && l[0].State == store.WebhookDelivered
		})
		if n := len(bad.got()); n != requests+1 {
			t.Errorf("the endpoint got %d requests after it was disabled, want only the one after enabling", n-requests)
		}
		if n := len(watcher.got()); n != 1 {
			t.Errorf("the watcher was told %d times, want once", n)
		}
	})
}
