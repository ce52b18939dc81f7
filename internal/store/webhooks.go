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
	// Failures counts the failed attempts in a row since the last success,
	// from FailingSince; LastFailure says why the last one failed.
	Failures     int
	FailingSince time.Time
	LastFailure  string
	// RetryAt is when the endpoint may be tried again (zero: now).
	RetryAt time.Time
	// AutoDisabledAt is set when it was disabled for failing too long.
	AutoDisabledAt time.Time
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
	// ClaimWebhookEndpoint makes the caller the one attempt to a failing
	// endpoint until until; false when its wait (RetryAt) is not over, or
	// another attempt holds it, or it is disabled.
	ClaimWebhookEndpoint(ctx context.Context, id int64, now, until time.Time) (bool, error)
	// WebhookEndpointFailed counts a failed attempt (FailingSince stays
	// the first failure's time) and sets when the next may be made.
	WebhookEndpointFailed(ctx context.Context, id int64, reason string, now, retryAt time.Time) (WebhookEndpoint, error)
	// WebhookEndpointSucceeded forgets an endpoint's failures.
	WebhookEndpointSucceeded(ctx context.Context, id int64) error
	// AutoDisableWebhookEndpoint disables an endpoint failing since
	// failingBefore or earlier; false when it is not (or already disabled),
	// so only one caller tells about it.
	AutoDisableWebhookEndpoint(ctx context.Context, id int64, now, failingBefore time.Time) (bool, error)
	// EnableWebhookEndpoint clears an endpoint's failures and disabling;
	// ErrNotFound for another user's or a deleted one.
	EnableWebhookEndpoint(ctx context.Context, userID, id int64) error
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
