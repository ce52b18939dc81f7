package sqlstore

import (
	"context"
	"fmt"

	"github.com/telegramate/telegramate/internal/store"
)

// pausedByHand is the reason Pause gives (campaign.Service.Pause).
const pausedByHand = "Paused by you"

func (q queries) OpsCounts(ctx context.Context) (store.OpsCounts, error) {
	var out store.OpsCounts
	var err error
	if out.AccountsByStatus, err = q.countBy(ctx, "SELECT status, COUNT(*) FROM telegram_accounts GROUP BY status"); err != nil {
		return out, err
	}
	if out.CampaignsByStatus, err = q.countBy(ctx, "SELECT status, COUNT(*) FROM campaigns GROUP BY status"); err != nil {
		return out, err
	}
	if out.WebhookDeliveriesByState, err = q.countBy(ctx, "SELECT state, COUNT(*) FROM webhook_deliveries GROUP BY state"); err != nil {
		return out, err
	}
	if err := q.queryRow(ctx, "SELECT COUNT(*) FROM campaigns WHERE status = 'paused' AND pause_reason <> ?", pausedByHand).
		Scan(&out.CampaignsAutoPaused); err != nil {
		return out, fmt.Errorf("paused campaigns: %w", mapErr(q.d, err))
	}
	// Disabled for failing, not deleted by their users: an operator
	// alerts on receivers that stopped taking events.
	if err := q.queryRow(ctx, "SELECT COUNT(*) FROM webhook_endpoints WHERE auto_disabled_at IS NOT NULL AND disabled_at IS NULL").
		Scan(&out.WebhookEndpointsDisabled); err != nil {
		return out, fmt.Errorf("disabled endpoints: %w", mapErr(q.d, err))
	}
	return out, nil
}

func (q queries) countBy(ctx context.Context, query string) (map[string]int, error) {
	rows, err := q.query(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}
