package store

import (
	"context"
	"time"
)

// Webhook delivery states.
const (
	WebhookPending   = "pending"
	WebhookDelivered = "delivered"
	WebhookFailed    = "failed"
)

// WebhookEndpoint is a URL a user's events are sent to, signed with its
// secret (sealed with the instance keyring).
type WebhookEndpoint struct {
	ID           int64
	UserID       int64
	URL          string
	SecretSealed []byte
	Events       []string
	CreatedAt    time.Time
	DisabledAt   time.Time // zero while the endpoint is in use
}

type NewWebhookEndpoint struct {
	UserID       int64
	URL          string
	SecretSealed []byte
	Events       []string
	Now          time.Time
}

// WebhookDelivery is one event on its way to one endpoint.
type WebhookDelivery struct {
	ID            int64
	EndpointID    int64
	UserID        int64
	EventID       string
	EventType     string
	Body          string // the JSON sent
	State         string // WebhookPending, WebhookDelivered or WebhookFailed
	Attempts      int
	LastStatus    int    // the last HTTP status answered, 0 when none
	LastError     string // why the last attempt failed: the status and a generic reason
	NextAttemptAt time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
	FinishedAt    time.Time // zero while pending
}

type NewWebhookDelivery struct {
	EndpointID int64
	UserID     int64
	EventID    string
	EventType  string
	Body       string
	Now        time.Time
}

// WebhookAttempt is the outcome of one attempt to deliver.
type WebhookAttempt struct {
	ID            int64
	State         string // pending again (a retry is due at NextAttemptAt), delivered or failed
	Status        int
	Error         string
	NextAttemptAt time.Time
	Now           time.Time
}

type Webhooks interface {
	CreateWebhookEndpoint(ctx context.Context, e NewWebhookEndpoint) (WebhookEndpoint, error)
	// WebhookEndpoints lists a user's endpoints in use, newest first.
	WebhookEndpoints(ctx context.Context, userID int64) ([]WebhookEndpoint, error)
	// WebhookEndpoint is ErrNotFound for another user's or a deleted one.
	WebhookEndpoint(ctx context.Context, userID, id int64) (WebhookEndpoint, error)
	// DisableWebhookEndpoint stops sending to an endpoint; ErrNotFound for
	// another user's or one already disabled.
	DisableWebhookEndpoint(ctx context.Context, userID, id int64, now time.Time) error
	// CreateWebhookDelivery writes a pending delivery; an event already
	// written for the endpoint is ErrConflict.
	CreateWebhookDelivery(ctx context.Context, d NewWebhookDelivery) (WebhookDelivery, error)
	// WebhookDeliveryForWork is a delivery with its endpoint (the secret
	// too), for the job that sends it.
	WebhookDeliveryForWork(ctx context.Context, id int64) (WebhookDelivery, WebhookEndpoint, error)
	// RecordWebhookAttempt counts an attempt on a pending delivery; it
	// reports false when the delivery was no longer pending (another
	// attempt finished it), so an outcome never overwrites another.
	RecordWebhookAttempt(ctx context.Context, a WebhookAttempt) (bool, error)
	// WebhookDeliveries lists an endpoint's latest deliveries, newest
	// first; another user's endpoint has none.
	WebhookDeliveries(ctx context.Context, userID, endpointID int64, limit int) ([]WebhookDelivery, error)
	// DeleteFinishedWebhookDeliveries deletes the delivered and failed
	// deliveries that finished before a time (the pruning job's work).
	DeleteFinishedWebhookDeliveries(ctx context.Context, before time.Time) (int64, error)
}
