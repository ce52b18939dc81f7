package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/webhook"
)

// TestHangingTenantDoesNotDelayOthers: one tenant's ten endpoints all
// hang (each request waits for the ten-second timeout), with fifty events
// queued for them; another tenant's event still arrives while they hang
// (it used to wait for the hanging requests, which held every one of the
// node's deliverers). The bound, 2 s, is logged: a shared
// machine's load says nothing of the product, the order of events does.
func TestHangingTenantDoesNotDelayOthers(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	ann, bea := mustUser(t, s, "ann@example.com"), mustUser(t, s, "bea@example.com")
	// hanging counts requests as they come, inFlight those not over yet
	// (its peak is what the cap bounds: on a slow machine a request that
	// timed out is replaced by the next).
	var hanging, ended, inFlight, peak atomic.Int32
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hanging.Add(1)
		n := inFlight.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		defer inFlight.Add(-1)
		defer ended.Add(1)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(hang.Close)
	fast := newReceiver(t)
	svc := newService(t, fastOptions(s, testKeyring(t)))
	_, _ = startJobs(t, s, svc)
	t.Cleanup(func() { close(release) }) // first: ends the hanging requests

	for i := range webhook.MaxEndpoints {
		if _, _, err := svc.Create(ctx, ann.ID, hang.URL+"/hook/"+string(rune('a'+i)), []string{webhook.DeliverySent}); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		if err := svc.Publish(ctx, ann.ID, webhook.DeliverySent, sentData{}); err != nil {
			t.Fatal(err)
		}
	}
	testkit.EventuallyWith(t, 30*time.Second, "ann's requests to hang", func() (bool, string) {
		n := hanging.Load()
		return n >= int32(webhook.MaxInFlightPerUser), fmt.Sprintf("%d hanging", n)
	})

	ep, secret, err := svc.Create(ctx, bea.ID, fast.URL(), []string{webhook.DeliverySent})
	if err != nil {
		t.Fatal(err)
	}
	fast.setSecret(secret)
	start := time.Now()
	if err := svc.Publish(ctx, bea.ID, webhook.DeliverySent, sentData{}); err != nil {
		t.Fatal(err)
	}
	waitDeliveries(t, svc, bea.ID, ep.ID, allIn(store.WebhookDelivered, 1))
	took := time.Since(start)
	if n := ended.Load(); n > 0 {
		t.Fatalf("bea's event arrived only after %d of ann's hanging requests had timed out (%s)", n, took)
	}
	t.Logf("bea's event delivered in %s beside %d hanging requests of ann's (the issue's bound: 2s)", took, hanging.Load())
	if n := peak.Load(); n > int32(webhook.MaxInFlightPerUser) {
		t.Errorf("ann had %d requests hanging at once, want at most %d", n, webhook.MaxInFlightPerUser)
	}
}

// TestTestEventsRateLimited: the test button cannot queue requests
// without end.
func TestTestEventsRateLimited(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	ann := mustUser(t, s, "ann@example.com")
	rcv := newReceiver(t)
	svc := newService(t, fastOptions(s, testKeyring(t)))
	_, _ = startJobs(t, s, svc)
	ep, _, err := svc.Create(ctx, ann.ID, rcv.URL(), []string{webhook.DeliverySent})
	if err != nil {
		t.Fatal(err)
	}
	for i := range webhook.TestEventsPerMinute {
		if _, err := svc.SendTest(ctx, ann.ID, ep.ID); err != nil {
			t.Fatalf("test event %d: %v", i+1, err)
		}
	}
	_, err = svc.SendTest(ctx, ann.ID, ep.ID)
	e, ok := apperr.As(err)
	if !ok || e.HTTPStatus() != http.StatusTooManyRequests || e.RetryAfter <= 0 {
		t.Fatalf("test event past the limit: %v", err)
	}
}
