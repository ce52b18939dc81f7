package webhook

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
)

// MaxEndpoints bounds a user's endpoints: each event is written once per
// endpoint, in the transaction of what it tells about.
const MaxEndpoints = 10

// secretPrefix marks a webhook secret, so a leaked one is recognised.
const secretPrefix = "whsec_"

// Endpoint is a URL a user's events go to.
type Endpoint struct {
	ID        int64
	URL       string
	Events    []string
	CreatedAt time.Time
	// Failures is how many attempts in a row failed, from FailingSince;
	// LastFailure says why the last did. Zero while it is healthy.
	Failures     int
	FailingSince time.Time
	LastFailure  string
	// RetryAt is when a failing endpoint is tried next.
	RetryAt time.Time
	// DisabledAt is set once it failed for the whole DisableAfter: nothing
	// is sent to it until its owner enables it again.
	DisabledAt time.Time
}

func endpointOf(e store.WebhookEndpoint) Endpoint {
	return Endpoint{ID: e.ID, URL: e.URL, Events: e.Events, CreatedAt: e.CreatedAt,
		Failures: e.Failures, FailingSince: e.FailingSince, LastFailure: e.LastFailure, RetryAt: e.RetryAt,
		DisabledAt: e.AutoDisabledAt}
}

// adSecret binds a sealed secret to its owner, so a value copied to
// another user's row does not open there.
func adSecret(userID int64) []byte {
	return fmt.Appendf(nil, "webhook_endpoints.secret_sealed:user:%d", userID)
}

var errNotFound = apperr.NotFound("Webhook")

var errDisabled = &apperr.Error{Code: "webhook_disabled", Message: "This webhook is disabled after failing",
	Hint:   "Fix the receiver, then enable the webhook again on its page; events are sent to it from then on.",
	Status: http.StatusConflict}

// Create adds an endpoint and returns it with its secret, which is shown
// to the user once and kept only sealed. Bad input changes nothing.
func (s *Service) Create(ctx context.Context, userID int64, rawURL string, events []string) (Endpoint, secrets.Secret, error) {
	if err := actor.Require(ctx, actor.Admin); err != nil {
		return Endpoint{}, "", err
	}
	u, err := ValidateURL(rawURL, s.o.AllowPrivate)
	if err != nil {
		return Endpoint{}, "", err
	}
	events, err = validEvents(events)
	if err != nil {
		return Endpoint{}, "", err
	}
	have, err := s.st.WebhookEndpoints(ctx, userID)
	if err != nil {
		return Endpoint{}, "", fmt.Errorf("webhooks of user %d: %w", userID, err)
	}
	if len(have) >= MaxEndpoints {
		return Endpoint{}, "", &apperr.Error{Code: "too_many_webhooks", Field: "url",
			Message: fmt.Sprintf("You have %d webhooks, the most there can be", MaxEndpoints),
			Hint:    "Delete one you no longer use, or send several event types to one URL."}
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	secret := secrets.Secret(secretPrefix + base64.RawURLEncoding.EncodeToString(raw))
	sealed, err := s.o.Keyring.Seal([]byte(secret.Reveal()), adSecret(userID))
	if err != nil {
		return Endpoint{}, "", fmt.Errorf("seal webhook secret: %w", err)
	}
	var e store.WebhookEndpoint
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		if e, err = tx.CreateWebhookEndpoint(ctx, store.NewWebhookEndpoint{UserID: userID, URL: u, SecretSealed: sealed, Events: events, Now: s.now()}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), userID, audit.ActorFrom(ctx), audit.Event{
			Action: audit.WebhookCreated, TargetKind: audit.TargetWebhook, TargetID: e.ID, TargetLabel: e.URL, Detail: "Events: " + strings.Join(events, ", "),
		})
	})
	if err != nil {
		return Endpoint{}, "", fmt.Errorf("create webhook: %w", err)
	}
	s.log.Info("webhook added", slog.Int64("user", userID), slog.Int64("webhook", e.ID), slog.String("events", strings.Join(events, ",")))
	return endpointOf(e), secret, nil
}

// validEvents keeps the known types, each once, in EventTypes' order.
func validEvents(events []string) ([]string, error) {
	var out []string
	for _, t := range EventTypes {
		if slices.Contains(events, t) {
			out = append(out, t)
		}
	}
	for _, e := range events {
		if e = strings.TrimSpace(e); e != "" && !slices.Contains(EventTypes, e) {
			return nil, apperr.Validation("events", fmt.Sprintf("%q is not an event type: choose from %s", e, strings.Join(EventTypes, ", ")))
		}
	}
	if len(out) == 0 {
		return nil, apperr.Validation("events", "Choose at least one event to send")
	}
	return out, nil
}

// List is the user's endpoints, newest first.
func (s *Service) List(ctx context.Context, userID int64) ([]Endpoint, error) {
	list, err := s.st.WebhookEndpoints(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("webhooks of user %d: %w", userID, err)
	}
	out := make([]Endpoint, len(list))
	for i, e := range list {
		out[i] = endpointOf(e)
	}
	return out, nil
}

// Get is one of the user's endpoints; another user's is not_found.
func (s *Service) Get(ctx context.Context, userID, id int64) (Endpoint, error) {
	e, err := s.st.WebhookEndpoint(ctx, userID, id)
	if errors.Is(err, store.ErrNotFound) {
		return Endpoint{}, errNotFound
	}
	if err != nil {
		return Endpoint{}, fmt.Errorf("webhook %d: %w", id, err)
	}
	return endpointOf(e), nil
}

// Delete stops sending to an endpoint; its waiting deliveries end as
// failed when their jobs next run.
func (s *Service) Delete(ctx context.Context, userID, id int64) error {
	if err := actor.Require(ctx, actor.Admin); err != nil {
		return err
	}
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		e, err := tx.WebhookEndpoint(ctx, userID, id)
		if err != nil {
			return err
		}
		if err := tx.DisableWebhookEndpoint(ctx, userID, id, s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), userID, audit.ActorFrom(ctx), audit.Event{
			Action: audit.WebhookDeleted, TargetKind: audit.TargetWebhook, TargetID: id, TargetLabel: e.URL,
		})
	})
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return fmt.Errorf("delete webhook %d: %w", id, err)
	}
	s.log.Info("webhook deleted", slog.Int64("user", userID), slog.Int64("webhook", id))
	return nil
}

// Enable sends to an endpoint again and forgets its failures: one that
// was disabled for failing (events from now on are sent to it), or one
// backing off (its waiting deliveries go at their next turn).
func (s *Service) Enable(ctx context.Context, userID, id int64) error {
	if err := actor.Require(ctx, actor.Admin); err != nil {
		return err
	}
	err := s.st.EnableWebhookEndpoint(ctx, userID, id)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return fmt.Errorf("enable webhook %d: %w", id, err)
	}
	s.log.Info("webhook enabled", slog.Int64("user", userID), slog.Int64("webhook", id))
	return nil
}

// DisableAfter is how long an endpoint fails before it is disabled.
func (s *Service) DisableAfter() time.Duration { return s.o.DisableAfter }

// Deliveries lists an endpoint's latest deliveries (at most limit, newest
// first).
func (s *Service) Deliveries(ctx context.Context, userID, id int64, limit int) ([]store.WebhookDelivery, error) {
	if _, err := s.Get(ctx, userID, id); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 200
	}
	list, err := s.st.WebhookDeliveries(ctx, userID, id, limit)
	if err != nil {
		return nil, fmt.Errorf("deliveries of webhook %d: %w", id, err)
	}
	return list, nil
}

// SendTest queues a webhook.test event to one endpoint, whatever events
// it chose, so its owner can check the URL and the signature.
func (s *Service) SendTest(ctx context.Context, userID, id int64) (store.WebhookDelivery, error) {
	if err := actor.Require(ctx, actor.Admin); err != nil {
		return store.WebhookDelivery{}, err
	}
	e, err := s.st.WebhookEndpoint(ctx, userID, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.WebhookDelivery{}, errNotFound
	}
	if err != nil {
		return store.WebhookDelivery{}, fmt.Errorf("webhook %d: %w", id, err)
	}
	if !e.AutoDisabledAt.IsZero() {
		return store.WebhookDelivery{}, errDisabled
	}
	q, err := s.jobs()
	if err != nil {
		return store.WebhookDelivery{}, err
	}
	if wait := s.testLimit.allow(userID, s.now()); wait > 0 {
		return store.WebhookDelivery{}, errTooManyTests.WithRetryAfter(wait)
	}
	ev := newEvent(TestEvent, s.now(), map[string]any{
		"webhook_id": e.ID,
		"message":    "A test event from Telegramate: your endpoint and its signature check work.",
	})
	var d store.WebhookDelivery
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		d, err = s.enqueue(ctx, tx, q, e, ev)
		return err
	})
	if err != nil {
		return store.WebhookDelivery{}, fmt.Errorf("send a test event to webhook %d: %w", id, err)
	}
	return d, nil
}
