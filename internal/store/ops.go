package store

import "context"

// Ops is what the metrics read of the whole installation at scrape time.
type Ops interface {
	OpsCounts(ctx context.Context) (OpsCounts, error)
}

// OpsCounts are the installation's numbers an operator alerts on.
type OpsCounts struct {
	AccountsByStatus  map[string]int
	CampaignsByStatus map[string]int
	// CampaignsAutoPaused are paused campaigns nobody paused by hand: the
	// failure threshold, or a restore.
	CampaignsAutoPaused      int
	WebhookDeliveriesByState map[string]int
	// WebhookEndpointsDisabled are endpoints disabled after failing for
	// a day (not those their users deleted).
	WebhookEndpointsDisabled int
}
