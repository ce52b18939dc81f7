// Package opsmetrics exposes what an operator alerts on (docs/deploy.md,
// deploy/prometheus/alerts.yml): deliveries by outcome and reason,
// accounts by health, campaigns that paused themselves, failed webhook
// deliveries and disabled endpoints, and this node's leases and held
// accounts. Installation-wide numbers are read from the database at scrape
// time, so every node reports the same; per-node ones come from Node.
package opsmetrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/store"
)

// Node reports this node's own numbers. Today the lease manager holds one
// lease per account this node works with, and the inbox one listener per
// account it keeps connected; the per-account runtime will feed these
// directly once it exists.
type Node interface {
	// LeasesHeld is how many account leases this node holds.
	LeasesHeld() int
	// ConnectedAccounts is how many accounts this node keeps a live
	// Telegram connection for.
	ConnectedAccounts() int
}

// Metrics is the collector and the deliveries counter.
type Metrics struct {
	st         store.Ops
	node       Node
	deliveries *prometheus.CounterVec
	inboxLag   prometheus.Histogram
}

var (
	accountsDesc = prometheus.NewDesc("telegramate_accounts", "Telegram accounts by health (active, flood_wait, limited, needs_relogin, disconnected, pending).",
		[]string{"health"}, nil)
	campaignsDesc  = prometheus.NewDesc("telegramate_campaigns", "Campaigns by status.", []string{"status"}, nil)
	autoPausedDesc = prometheus.NewDesc("telegramate_campaigns_paused_automatically",
		"Paused campaigns that nobody paused by hand: their failure threshold tripped, or a restore paused them.", nil, nil)
	webhookDesc = prometheus.NewDesc("telegramate_webhook_deliveries", "Webhook deliveries by state (pending, delivered, failed).",
		[]string{"state"}, nil)
	disabledDesc = prometheus.NewDesc("telegramate_webhook_endpoints_disabled", "Webhook endpoints disabled after failing for a day without a success (until their users enable them again).", nil, nil)
	leasesDesc   = prometheus.NewDesc("telegramate_leases_held", "Account leases this node holds.", nil, nil)
	connDesc     = prometheus.NewDesc("telegramate_connected_accounts", "Accounts this node keeps a Telegram connection for.", nil, nil)
)

// accountHealths are reported even at zero, so an alert on one has a series.
var accountHealths = []string{"active", "flood_wait", "limited", "needs_relogin", "disconnected", "pending"}

// New builds the metrics; node may be nil (no per-node numbers).
func New(st store.Ops, node Node) *Metrics {
	m := &Metrics{st: st, node: node, deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "telegramate_deliveries_total",
		Help: "Campaign messages finished by this node, by outcome (sent, failed) and reason code.",
	}, []string{"state", "reason"}),
		inboxLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "telegramate_inbox_lag_seconds",
			Help: "Time from a person's message's date at Telegram to it being stored in the inbox by this node.",
			// Telegram dates messages to the second: below a second is
			// pushed at once; minutes are a gap caught up (a node's
			// restart, a lost connection).
			Buckets: []float64{1, 2, 5, 10, 30, 60, 300, 900, 3600},
		})}
	// Present from the start, so a rate over it has a series at zero.
	m.deliveries.WithLabelValues(store.DeliverySent, "")
	return m
}

func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	m.deliveries.Describe(ch)
	m.inboxLag.Describe(ch)
	for _, d := range []*prometheus.Desc{accountsDesc, campaignsDesc, autoPausedDesc, webhookDesc, disabledDesc, leasesDesc, connDesc} {
		ch <- d
	}
}

func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.deliveries.Collect(ch)
	m.inboxLag.Collect(ch)
	if m.node != nil {
		ch <- prometheus.MustNewConstMetric(leasesDesc, prometheus.GaugeValue, float64(m.node.LeasesHeld()))
		ch <- prometheus.MustNewConstMetric(connDesc, prometheus.GaugeValue, float64(m.node.ConnectedAccounts()))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := m.st.OpsCounts(ctx)
	if err != nil {
		for _, d := range []*prometheus.Desc{accountsDesc, campaignsDesc, autoPausedDesc, webhookDesc, disabledDesc} {
			ch <- prometheus.NewInvalidMetric(d, err)
		}
		return
	}
	for _, h := range accountHealths {
		ch <- prometheus.MustNewConstMetric(accountsDesc, prometheus.GaugeValue, float64(c.AccountsByStatus[h]), h)
	}
	for _, s := range []string{store.CampaignDraft, store.CampaignScheduled, store.CampaignRunning, store.CampaignPaused, store.CampaignCompleted, store.CampaignCancelled} {
		ch <- prometheus.MustNewConstMetric(campaignsDesc, prometheus.GaugeValue, float64(c.CampaignsByStatus[s]), s)
	}
	ch <- prometheus.MustNewConstMetric(autoPausedDesc, prometheus.GaugeValue, float64(c.CampaignsAutoPaused))
	for _, s := range []string{"pending", "delivered", "failed"} {
		ch <- prometheus.MustNewConstMetric(webhookDesc, prometheus.GaugeValue, float64(c.WebhookDeliveriesByState[s]), s)
	}
	ch <- prometheus.MustNewConstMetric(disabledDesc, prometheus.GaugeValue, float64(c.WebhookEndpointsDisabled))
}

// InboxLag records how long a person's message took to reach the inbox
// (inbox.Options.Lag).
func (m *Metrics) InboxLag(d time.Duration) { m.inboxLag.Observe(d.Seconds()) }

// Events counts delivery outcomes on their way to the webhooks: wrap the
// campaigns' event sink with it.
func (m *Metrics) Events(next campaign.Events) campaign.Events { return countingEvents{m, next} }

type countingEvents struct {
	m    *Metrics
	next campaign.Events
}

func (e countingEvents) PublishTx(ctx context.Context, tx store.Tx, userID int64, eventType string, data any) error {
	if d, ok := data.(campaign.DeliveryEvent); ok && (eventType == campaign.EventDeliverySent || eventType == campaign.EventDeliveryFailed) {
		e.m.deliveries.WithLabelValues(d.State, d.ReasonCode).Inc()
	}
	return e.next.PublishTx(ctx, tx, userID, eventType, data)
}
