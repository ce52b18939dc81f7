package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/webhook"
)

type sentData struct {
	DeliveryID int64 `json:"delivery_id"`
}

func TestEventSignedAndVerifiedByReceiver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@example.com")
		rcv := newReceiver(t)
		svc := newService(t, fastOptions(s, testKeyring(t)))
		_, _ = startJobs(t, s, svc)
		ep, secret, err := svc.Create(ctx, ann.ID, rcv.URL(), []string{webhook.DeliverySent})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret.Reveal(), "whsec_") || len(secret.Reveal()) < 40 {
			t.Fatalf("secret %q", secret.Reveal())
		}
		rcv.setSecret(secret)

		if err := svc.Publish(ctx, ann.ID, webhook.DeliverySent, sentData{DeliveryID: 42}); err != nil {
			t.Fatal(err)
		}
		// Not chosen by the endpoint: not sent.
		if err := svc.Publish(ctx, ann.ID, webhook.CampaignCompleted, map[string]any{"id": 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SendTest(ctx, ann.ID, ep.ID); err != nil {
			t.Fatal(err)
		}
		list := waitDeliveries(t, svc, ann.ID, ep.ID, allIn(store.WebhookDelivered, 2))
		for _, d := range list {
			if d.LastStatus != 204 || d.Attempts != 1 || d.FinishedAt.IsZero() {
				t.Errorf("delivered %+v", d)
			}
		}
		got := rcv.got()
		if len(got) != 2 {
			t.Fatalf("receiver got %d requests", len(got))
		}
		types := map[string]request{}
		for _, r := range got {
			if r.sigErr != nil {
				t.Errorf("signature of %s: %v (header %q)", r.event.Type, r.sigErr, r.header.Get(webhook.SignatureHeader))
			}
			if r.header.Get("Telegramate-Event-Id") != r.event.ID || r.header.Get("Content-Type") != "application/json" {
				t.Errorf("headers %v", r.header)
			}
			types[r.event.Type] = r
		}
		sent, ok := types[webhook.DeliverySent]
		if !ok || !strings.HasPrefix(sent.event.ID, "evt_") || time.Since(sent.event.CreatedAt) > time.Minute {
			t.Fatalf("delivery.sent event %+v", sent.event)
		}
		var body struct {
			Data sentData `json:"data"`
		}
		if err := json.Unmarshal(sent.body, &body); err != nil || body.Data.DeliveryID != 42 {
			t.Errorf("data %s: %v", sent.body, err)
		}
		if _, ok := types[webhook.TestEvent]; !ok {
			t.Errorf("no test event: %v", types)
		}
		// A signature made with another secret, or over another body, is
		// refused by Verify.
		h := sent.header.Get(webhook.SignatureHeader)
		if webhook.Verify("whsec_other", h, sent.body, time.Now(), time.Minute) == nil ||
			webhook.Verify(secret.Reveal(), h, append(sent.body, ' '), time.Now(), time.Minute) == nil ||
			webhook.Verify(secret.Reveal(), h, sent.body, time.Now().Add(time.Hour), time.Minute) == nil {
			t.Error("Verify accepts a wrong secret, body or time")
		}
	})
}

func TestRetriesAfterErrorsAndDroppedConnection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@example.com")
		rcv := newReceiver(t, "500", "drop", "500", "drop")
		svc := newService(t, fastOptions(s, testKeyring(t)))
		_, _ = startJobs(t, s, svc)
		ep, secret, err := svc.Create(ctx, ann.ID, rcv.URL(), []string{webhook.AccountLimited})
		if err != nil {
			t.Fatal(err)
		}
		rcv.setSecret(secret)
		if err := svc.Publish(ctx, ann.ID, webhook.AccountLimited, map[string]any{"id": 7}); err != nil {
			t.Fatal(err)
		}
		d := waitDeliveries(t, svc, ann.ID, ep.ID, allIn(store.WebhookDelivered, 1))[0]
		if d.Attempts != 5 || d.LastStatus != 204 || d.LastError != "" {
			t.Errorf("delivered after %d attempts, last %d %q; want 5, 204", d.Attempts, d.LastStatus, d.LastError)
		}
		got := rcv.got()
		if len(got) != 5 {
			t.Fatalf("receiver got %d requests, want 5", len(got))
		}
		for _, r := range got {
			if r.event.ID != d.EventID {
				t.Errorf("a retry sent event %q, want the same id %q", r.event.ID, d.EventID)
			}
		}
		if n := rcv.acceptedCounts()[d.EventID]; n != 1 {
			t.Errorf("accepted %d times", n)
		}
	})
}

// TestNoEventLostOrSentTwiceAcrossRestart stops the service's jobs with
// one request in flight and events waiting, publishes while they are
// stopped, starts them again on the same database, and also runs every
// delivery's job once more (as River does when a node dies before it
// records a finished job): each event reaches the receiver once.
func TestNoEventLostOrSentTwiceAcrossRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@example.com")
		rcv := newReceiver(t)
		k := testKeyring(t)
		svc := newService(t, fastOptions(s, k))
		stop, _ := startJobs(t, s, svc)
		ep, secret, err := svc.Create(ctx, ann.ID, rcv.URL(), []string{webhook.DeliverySent, webhook.DeliveryFailed})
		if err != nil {
			t.Fatal(err)
		}
		rcv.setSecret(secret)
		for i := range 3 {
			if err := svc.Publish(ctx, ann.ID, webhook.DeliverySent, sentData{DeliveryID: int64(i)}); err != nil {
				t.Fatal(err)
			}
		}
		waitDeliveries(t, svc, ann.ID, ep.ID, allIn(store.WebhookDelivered, 3))

		// One request hangs at the receiver while the service stops.
		rcv.mu.Lock()
		rcv.plan = []string{"block"}
		rcv.mu.Unlock()
		if err := svc.Publish(ctx, ann.ID, webhook.DeliveryFailed, sentData{DeliveryID: 3}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-rcv.blocked:
		case <-time.After(30 * time.Second):
			t.Fatal("the fourth event never reached the receiver")
		}
		stop()

		// Published while nothing runs: written with their jobs.
		for i := 4; i < 6; i++ {
			if err := svc.Publish(ctx, ann.ID, webhook.DeliverySent, sentData{DeliveryID: int64(i)}); err != nil {
				t.Fatal(err)
			}
		}
		// A new service on the same database: what a restarted node runs.
		svc2 := newService(t, fastOptions(s, k))
		_, jc := startJobs(t, s, svc2)
		list := waitDeliveries(t, svc2, ann.ID, ep.ID, allIn(store.WebhookDelivered, 6))
		for _, d := range list {
			if _, err := jc.Insert(ctx, webhook.DeliverArgs{DeliveryID: d.ID}, nil); err != nil {
				t.Fatal(err)
			}
		}
		// Each of those jobs has run once its delivery is read again
		// with no new request; a further event, queued last, is the mark.
		if err := svc2.Publish(ctx, ann.ID, webhook.DeliverySent, sentData{DeliveryID: 99}); err != nil {
			t.Fatal(err)
		}
		waitDeliveries(t, svc2, ann.ID, ep.ID, allIn(store.WebhookDelivered, 7))
		waitJobsDone(t, s)

		counts := rcv.acceptedCounts()
		if len(counts) != 7 {
			t.Errorf("receiver accepted %d events, want 7: %v", len(counts), counts)
		}
		for id, n := range counts {
			if n != 1 {
				t.Errorf("event %s accepted %d times", id, n)
			}
		}
	})
}

// TestFailedAfterRetryWindow: a receiver that always fails gets the event
// until the retry window ends, then the delivery is failed. Each request
// moves the service's clock 25 minutes on, so a one-hour window takes
// three attempts and no waiting.
func TestFailedAfterRetryWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@example.com")
		rcv := newReceiver(t, "500", "500", "500", "500", "500", "500")
		var clock testkit.Clock
		rcv.onRequest = func() { clock.Advance(25 * time.Minute) }
		o := fastOptions(s, testKeyring(t))
		o.RetryWindow, o.Now = time.Hour, clock.Now
		svc := newService(t, o)
		_, _ = startJobs(t, s, svc)
		ep, secret, err := svc.Create(ctx, ann.ID, rcv.URL(), []string{webhook.AccountNeedsLogin})
		if err != nil {
			t.Fatal(err)
		}
		rcv.setSecret(secret)
		if err := svc.Publish(ctx, ann.ID, webhook.AccountNeedsLogin, map[string]any{"id": 7}); err != nil {
			t.Fatal(err)
		}
		d := waitDeliveries(t, svc, ann.ID, ep.ID, allIn(store.WebhookFailed, 1))[0]
		if d.Attempts != 3 || d.LastStatus != 500 || !strings.HasPrefix(d.LastError, "HTTP 500") ||
			strings.Contains(d.LastError, "receiver is down") || d.FinishedAt.IsZero() {
			t.Errorf("failed delivery %+v, want 3 attempts", d)
		}
		if n := len(rcv.got()); n != 3 {
			t.Errorf("receiver got %d requests, want 3", n)
		}
	})
}

// TestAnswerBodyNeverShown: what a receiver answers is the receiver's
// business; showing it would let a tenant read what the instance can
// reach. The status and a reason made from it are all that is kept.
func TestAnswerBodyNeverShown(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	ann := mustUser(t, s, "ann@example.com")
	rcv := newReceiver(t, "long500")
	o := fastOptions(s, testKeyring(t))
	o.RetryWindow = time.Millisecond
	svc := newService(t, o)
	_, _ = startJobs(t, s, svc)
	ep, _, err := svc.Create(ctx, ann.ID, rcv.URL(), []string{webhook.DeliverySent})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Publish(ctx, ann.ID, webhook.DeliverySent, sentData{}); err != nil {
		t.Fatal(err)
	}
	d := waitDeliveries(t, svc, ann.ID, ep.ID, allIn(store.WebhookFailed, 1))[0]
	if d.LastError != "HTTP 500: the receiver failed to take the event" {
		t.Errorf("last error %.80q, want the status and a generic reason", d.LastError)
	}
}

func TestBadURLsRefused(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	ann := mustUser(t, s, "ann@example.com")
	svc := newService(t, fastOptions(s, testKeyring(t)))
	for _, tc := range []struct{ url, want string }{
		{"", "Enter the URL"},
		{"   ", "Enter the URL"},
		{"http://example.com/hook", "Use an https:// URL"},
		{"http://10.0.0.5/hook", "plain http is accepted only for a loopback address"},
		{"http://127.0.0.1.example.com/hook", "Use an https:// URL"},
		{"ftp://example.com/hook", "Use an https:// URL"},
		{"example.com/hook", "That is not a URL"},
		{"https://", "That is not a URL"},
		{"https://user:pw@example.com/hook", "Leave user names and passwords out"},
		{"https://example.com/hook#x", "Leave the #fragment out"},
		{"https://example.com:99999/hook", "port is not valid"},
		{"https://example.com/" + strings.Repeat("a", 2100), "too long"},
	} {
		_, _, err := svc.Create(ctx, ann.ID, tc.url, []string{webhook.DeliverySent})
		e, ok := apperr.As(err)
		if !ok || e.Field != "url" || !strings.Contains(e.Message, tc.want) {
			t.Errorf("%.60q: %v, want %q on url", tc.url, err, tc.want)
		}
	}
	for _, events := range [][]string{nil, {"delivery.sent", "no.such"}} {
		_, _, err := svc.Create(ctx, ann.ID, "https://example.com/hook", events)
		if e, ok := apperr.As(err); !ok || e.Field != "events" {
			t.Errorf("events %v: %v", events, err)
		}
	}
	if list, _ := svc.List(ctx, ann.ID); len(list) != 0 {
		t.Errorf("a refused URL was kept: %+v", list)
	}
	for _, good := range []string{"https://example.com/hook", "http://127.0.0.1:8080/hook", "http://[::1]:9/x", "http://localhost/x"} {
		if _, _, err := svc.Create(ctx, ann.ID, good, []string{webhook.DeliverySent}); err != nil {
			t.Errorf("%s refused: %v", good, err)
		}
	}
}

func TestDeletedEndpointGetsNothingMore(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	ann := mustUser(t, s, "ann@example.com")
	bob := mustUser(t, s, "bob@example.com")
	svc := newService(t, fastOptions(s, testKeyring(t)))
	ep, _, err := svc.Create(ctx, ann.ID, "https://example.com/hook", []string{webhook.DeliverySent})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Delete(ctx, bob.ID, ep.ID); !errors.Is(err, apperr.NotFound("Webhook")) {
		if e, ok := apperr.As(err); !ok || e.Code != "not_found" {
			t.Errorf("bob deletes ann's webhook: %v", err)
		}
	}
	if err := svc.Delete(ctx, ann.ID, ep.ID); err != nil {
		t.Fatal(err)
	}
	// No queue is set: an event for a deleted endpoint needs none.
	if err := svc.Publish(ctx, ann.ID, webhook.DeliverySent, sentData{}); err != nil {
		t.Errorf("publish with no endpoint: %v", err)
	}
	if _, err := svc.Deliveries(ctx, ann.ID, ep.ID, 10); err == nil {
		t.Error("a deleted webhook's deliveries are listed")
	}
}

// TestEndpointsReadOncePerTransaction: events published in one
// transaction share one read of the endpoints, and the next transaction
// sees an endpoint added in between.
func TestEndpointsReadOncePerTransaction(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	ann := mustUser(t, s, "ann@example.com")
	svc := newService(t, fastOptions(s, testKeyring(t)))
	var ep webhook.Endpoint
	for i := range 20 {
		err := s.InTx(ctx, func(tx store.Tx) error {
			for range 2 {
				if err := svc.PublishTx(ctx, tx, ann.ID, webhook.DeliverySent, sentData{DeliveryID: int64(i)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if i == 10 {
			if ep, _, err = svc.Create(ctx, ann.ID, "https://crm.example/hook", []string{webhook.DeliverySent}); err != nil {
				t.Fatal(err)
			}
		}
	}
	list, err := svc.Deliveries(ctx, ann.ID, ep.ID, 200)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 18 {
		t.Errorf("%d deliveries, want two for each of the 9 transactions after the endpoint was added", len(list))
	}
}

// TestInternalURLsRefusedBySaveAndConnect: without --webhook-allow-private
// an internal address is refused as written when saved, and a URL that
// leads to one anyway (saved while it was allowed, or a name that now
// resolves there: DNS rebinding) is refused when connecting: the
// receiver on 127.0.0.1 never hears a thing, and the delivery says why in
// generic words, never the dialer's.
func TestInternalURLsRefusedBySaveAndConnect(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	ann := mustUser(t, s, "ann@example.com")
	strict := fastOptions(s, testKeyring(t))
	strict.AllowPrivate = false
	svc := newService(t, strict)
	for _, u := range []string{
		"https://10.0.0.1/", "https://169.254.169.254/latest/meta-data/", "https://metadata.google.internal/computeMetadata/v1/",
		"https://[fd00::1]/", "https://[::ffff:169.254.169.254]/", "https://0.0.0.0/", "https://100.64.0.1/",
		"https://[fe80::1%25eth0]/", "https://localhost/", "http://127.0.0.1:6379/", "http://[::1]:9/x", "https://2130706433/",
		"https://0x7f.1/", "https://127.1/",
	} {
		_, _, err := svc.Create(ctx, ann.ID, u, []string{webhook.DeliverySent})
		e, ok := apperr.As(err)
		if !ok || e.Field != "url" || !strings.Contains(e.Message, "internal") {
			t.Errorf("%s: %v, want it refused as internal", u, err)
		}
	}
	if _, _, err := svc.Create(ctx, ann.ID, "http://example.com/", []string{webhook.DeliverySent}); err == nil {
		t.Error("plain http to a public host accepted")
	}
	if list, _ := svc.List(ctx, ann.ID); len(list) != 0 {
		t.Fatalf("an internal URL was kept: %+v", list)
	}

	// Saved while internal addresses were allowed; delivered after they
	// were not.
	rcv := newReceiver(t, "200")
	lax := newService(t, fastOptions(s, strict.Keyring))
	ep, _, err := lax.Create(ctx, ann.ID, rcv.URL(), []string{webhook.DeliverySent})
	if err != nil {
		t.Fatal(err)
	}
	strict.RetryWindow = time.Millisecond
	svc = newService(t, strict)
	_, _ = startJobs(t, s, svc)
	if err := svc.Publish(ctx, ann.ID, webhook.DeliverySent, sentData{}); err != nil {
		t.Fatal(err)
	}
	d := waitDeliveries(t, svc, ann.ID, ep.ID, allIn(store.WebhookFailed, 1))[0]
	if !strings.Contains(d.LastError, "internal address") || strings.Contains(d.LastError, "127.0.0.1") || d.LastStatus != 0 {
		t.Errorf("delivery to an internal address: %d %q", d.LastStatus, d.LastError)
	}
	if n := len(rcv.got()); n != 0 {
		t.Errorf("the internal receiver got %d requests", n)
	}
}
