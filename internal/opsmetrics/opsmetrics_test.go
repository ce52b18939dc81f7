package opsmetrics_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/opsmetrics"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

type sink struct{ n int }

func (s *sink) PublishTx(context.Context, store.Tx, int64, string, any) error { s.n++; return nil }

type node struct{}

func (node) LeasesHeld() int        { return 3 }
func (node) ConnectedAccounts() int { return 2 }

// TestMetricsCountWhatTheDatabaseHolds: delivery outcomes are counted on
// their way to the webhooks (which still get every event), and the
// installation's numbers come from the database, on both engines.
func TestMetricsCountWhatTheDatabaseHolds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		u, err := st.CreateUser(ctx, store.NewUser{Email: "m@example.com", PasswordHash: "x", Now: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateWebhookEndpoint(ctx, store.NewWebhookEndpoint{UserID: u.ID, URL: "https://h.example.com", SecretSealed: []byte{1},
			Events: []string{"delivery.sent"}, Now: time.Now()}); err != nil {
			t.Fatal(err)
		}
		// One endpoint disabled for failing counts; two their user deleted
		// do not (nobody is missing their events).
		for _, failing := range []bool{true, false, false} {
			e, err := st.CreateWebhookEndpoint(ctx, store.NewWebhookEndpoint{UserID: u.ID, URL: "https://h.example.com/x", SecretSealed: []byte{1},
				Events: []string{"delivery.sent"}, Now: time.Now()})
			if err != nil {
				t.Fatal(err)
			}
			if !failing {
				if err := st.DisableWebhookEndpoint(ctx, u.ID, e.ID, time.Now()); err != nil {
					t.Fatal(err)
				}
				continue
			}
			day := time.Now().Add(-25 * time.Hour)
			if _, err := st.WebhookEndpointFailed(ctx, e.ID, "HTTP 500", day, day); err != nil {
				t.Fatal(err)
			}
			if ok, err := st.AutoDisableWebhookEndpoint(ctx, e.ID, time.Now(), time.Now().Add(-24*time.Hour)); err != nil || !ok {
				t.Fatalf("disable: %v %v", ok, err)
			}
		}
		m := opsmetrics.New(st, node{})
		next := &sink{}
		ev := m.Events(next)
		for _, e := range []campaign.DeliveryEvent{{State: "sent"}, {State: "failed", ReasonCode: "blocked"}, {State: "failed", ReasonCode: "blocked"}} {
			typ := campaign.EventDeliverySent
			if e.State == "failed" {
				typ = campaign.EventDeliveryFailed
			}
			if err := ev.PublishTx(ctx, nil, u.ID, typ, e); err != nil {
				t.Fatal(err)
			}
		}
		if next.n != 3 {
			t.Fatalf("the webhooks got %d events, want 3", next.n)
		}
		reg := prometheus.NewRegistry()
		reg.MustRegister(m)
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, f := range families {
			for _, mt := range f.GetMetric() {
				key := f.GetName()
				for _, l := range mt.GetLabel() {
					key += "," + l.GetName() + "=" + l.GetValue()
				}
				got[key] = mt.GetCounter().GetValue() + mt.GetGauge().GetValue()
			}
		}
		for key, v := range map[string]float64{
			"telegramate_deliveries_total,reason=,state=sent":          1,
			"telegramate_deliveries_total,reason=blocked,state=failed": 2,
			"telegramate_leases_held":                                  3,
			"telegramate_connected_accounts":                           2,
			"telegramate_webhook_endpoints_disabled":                   1,
			"telegramate_webhook_deliveries,state=failed":              0,
			"telegramate_accounts,health=needs_relogin":                0,
			"telegramate_campaigns_paused_automatically":               0,
		} {
			if g, ok := got[key]; !ok || g != v {
				t.Errorf("%s = %v (present %v), want %v", key, g, ok, v)
			}
		}
	})
}
