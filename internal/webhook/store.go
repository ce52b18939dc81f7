package webhook

import (
	"context"
	"time"

	"github.com/telegramate/telegramate/internal/store"
)

// Store is the part of the store webhooks use outside a transaction (inside
// one, store.Tx stays whole), so that what this package reads and writes
// shows at a glance, and a fake needs only this.
type Store interface {
	// from store.Webhooks
	ClaimWebhookEndpoint(ctx context.Context, id int64, now, until time.Time) (bool, error)
	EnableWebhookEndpoint(ctx context.Context, userID, id int64) error
	RecordWebhookAttempt(ctx context.Context, a store.WebhookAttempt) (bool, error)
	WebhookDeliveries(ctx context.Context, userID, endpointID int64, limit int) ([]store.WebhookDelivery, error)
	WebhookDeliveryForWork(ctx context.Context, id int64) (store.WebhookDelivery, store.WebhookEndpoint, error)
	WebhookEndpoint(ctx context.Context, userID, id int64) (store.WebhookEndpoint, error)
	WebhookEndpointSucceeded(ctx context.Context, id int64) error
	WebhookEndpoints(ctx context.Context, userID int64) ([]store.WebhookEndpoint, error)

	// from store.Retention
	PruneWebhookDeliveries(ctx context.Context, before time.Time, max int) (int64, error)

	// of the store itself
	InTx(ctx context.Context, fn func(tx store.Tx) error) error
}
