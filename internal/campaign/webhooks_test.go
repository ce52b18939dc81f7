package campaign_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/webhook"
)

// TestCampaignEventsReachWebhook runs a campaign against the sandbox with
// a webhook on 127.0.0.1: every message sent and every refusal arrives as
// delivery.sent / delivery.failed, then campaign.completed, each signed.
func TestCampaignEventsReachWebhook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		keys, err := secrets.NewKeyring(testKey)
		if err != nil {
			t.Fatal(err)
		}
		queue, err := jobs.New(ctx, jobs.Options{Store: st, InsertOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		hooks, err := webhook.New(webhook.Options{Store: st, Keyring: keys, Queue: queue, AllowPrivate: true})
		if err != nil {
			t.Fatal(err)
		}
		// The webhook worker on a River client of its own, as a second
		// node working only that queue would.
		c, err := jobs.New(ctx, jobs.Options{Store: st, FetchPollInterval: 100 * time.Millisecond,
			Register: func(w *river.Workers) { webhook.Register(w, hooks) },
			Queues:   webhook.Queues(map[string]river.QueueConfig{})})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = c.Close(ctx)
		})
		e := newEnv(t, st, campaign.Options{Events: hooks})

		var (
			mu     sync.Mutex
			secret string
			events []webhook.Event
			bad    int
		)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			if webhook.Verify(secret, r.Header.Get(webhook.SignatureHeader), body, time.Now(), time.Minute) != nil {
				bad++
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			var ev webhook.Event
			_ = json.Unmarshal(body, &ev)
			events = append(events, ev)
			w.WriteHeader(http.StatusOK)
		}))
		t.Cleanup(srv.Close)
		_, sec, err := hooks.Create(ctx, e.user, srv.URL, []string{webhook.DeliverySent, webhook.DeliveryFailed, webhook.CampaignCompleted})
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		secret = sec.Reveal()
		mu.Unlock()

		list := e.list(sam, chatMeetup)
		v := e.create(campaign.CreateInput{
			Message:          "Hi {first_name|there}",
			Audience:         campaign.Audience{ListIDs: []int64{list}},
			SenderAccountIDs: []int64{e.account(sam)},
			Pacing:           campaign.PacingInput{MinIntervalSeconds: intp(0)},
		})
		e.start(v.ID)
		v = e.waitDone(v.ID)
		if v.Status != store.CampaignCompleted || v.Counts.Sent != 8 || v.Counts.Failed != 2 {
			t.Fatalf("campaign %s with %+v", v.Status, v.Counts)
		}

		count := func() map[string]int {
			mu.Lock()
			defer mu.Unlock()
			n := map[string]int{}
			for _, ev := range events {
				n[ev.Type]++
			}
			return n
		}
		testkit.EventuallyWith(t, 30*time.Second, "the campaign's events at the receiver", func() (bool, string) {
			n := count()
			return n[webhook.CampaignCompleted] > 0 && n[webhook.DeliverySent] >= 8 && n[webhook.DeliveryFailed] >= 2, fmt.Sprintf("%v", n)
		})
		if n := count(); n[webhook.DeliverySent] != 8 || n[webhook.DeliveryFailed] != 2 || n[webhook.CampaignCompleted] != 1 || len(n) != 3 {
			t.Errorf("events %v, want 8 sent, 2 failed, 1 completed", n)
		}
		mu.Lock()
		defer mu.Unlock()
		if bad != 0 {
			t.Errorf("%d requests with a bad signature", bad)
		}
		for _, ev := range events {
			data, _ := json.Marshal(ev.Data)
			switch ev.Type {
			case webhook.CampaignCompleted:
				var c campaign.CampaignEvent
				if err := json.Unmarshal(data, &c); err != nil || c.ID != v.ID || c.Counts.Sent != 8 || c.Counts.Failed != 2 || c.Status != "completed" {
					t.Errorf("campaign.completed %s: %v", data, err)
				}
			case webhook.DeliverySent, webhook.DeliveryFailed:
				var d campaign.DeliveryEvent
				if err := json.Unmarshal(data, &d); err != nil || d.CampaignID != v.ID || d.AccountID != e.account(sam) || d.Recipient.UserID == 0 ||
					(ev.Type == webhook.DeliverySent) != (d.MessageID != 0) || (ev.Type == webhook.DeliveryFailed) != (d.ReasonCode != "") {
					t.Errorf("%s %s: %v", ev.Type, data, err)
				}
			}
		}
	})
}
