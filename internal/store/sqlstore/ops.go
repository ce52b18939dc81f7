package sqlstore

import (
	"context"
	"fmt"

	"github.com/telegramate/telegramate/internal/store"
	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

// Operator counts run sqlc's queries (queries/ops.sql).

// pausedByHand is the reason Pause gives (campaign.Service.Pause).
const pausedByHand = "Paused by you"

func (q queries) OpsCounts(ctx context.Context) (store.OpsCounts, error) {
	var out store.OpsCounts
	var err error
	if out.AccountsByStatus, err = countBy(q.q.CountAccountsByStatus(ctx)); err != nil {
		return out, err
	}
	if out.CampaignsByStatus, err = countBy(q.q.CountCampaignsByStatus(ctx)); err != nil {
		return out, err
	}
	if out.WebhookDeliveriesByState, err = countBy(q.q.CountWebhookDeliveriesByState(ctx)); err != nil {
		return out, err
	}
	n, err := q.q.CountAutoPausedCampaigns(ctx, pausedByHand)
	if err != nil {
		return out, fmt.Errorf("paused campaigns: %w", mapErr(q.d, err))
	}
	out.CampaignsAutoPaused = int(n)
	// Disabled for failing, not deleted by their users: an operator
	// alerts on receivers that stopped taking events.
	if n, err = q.q.CountAutoDisabledEndpoints(ctx); err != nil {
		return out, fmt.Errorf("disabled endpoints: %w", mapErr(q.d, err))
	}
	out.WebhookEndpointsDisabled = int(n)
	return out, nil
}

// countRow is any of ops.sql's GROUP BY counts; the three generated row
// types are alike field for field.
type countRow interface {
	gen.CountAccountsByStatusRow | gen.CountCampaignsByStatusRow | gen.CountWebhookDeliveriesByStateRow
}

func countBy[R countRow](rs []R, err error) (map[string]int, error) {
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(rs))
	for _, r := range rs {
		c := gen.CountAccountsByStatusRow(r)
		out[c.Status] = int(c.N)
	}
	return out, nil
}
