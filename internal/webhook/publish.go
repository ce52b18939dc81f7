package webhook

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/telegramate/telegramate/internal/store"
)

// Event is the body of every request: {"id","type","created_at","data"}.
type Event struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"created_at"`
	Data      any       `json:"data"`
}

func newEvent(typ string, now time.Time, data any) Event {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return Event{ID: "evt_" + hex.EncodeToString(b), Type: typ, CreatedAt: now.UTC().Truncate(time.Second), Data: data}
}

// PublishTx writes an event of the user's, for each endpoint that chose
// its type, with its delivery job, in tx: it commits, or is lost, with
// what it tells about. A user without such an endpoint costs one read.
// data is the event's object, marshalled to JSON.
func (s *Service) PublishTx(ctx context.Context, tx store.Tx, userID int64, eventType string, data any) error {
	if !slices.Contains(EventTypes, eventType) {
		return fmt.Errorf("webhook: unknown event type %q", eventType)
	}
	endpoints, err := s.endpointsIn(ctx, tx, userID)
	if err != nil {
		return fmt.Errorf("webhooks of user %d: %w", userID, err)
	}
	var ev *Event
	for _, e := range endpoints {
		if !slices.Contains(e.Events, eventType) || !e.AutoDisabledAt.IsZero() {
			continue
		}
		q, err := s.jobs()
		if err != nil {
			return err
		}
		if ev == nil {
			x := newEvent(eventType, s.now(), data)
			ev = &x
		}
		if _, err := s.enqueue(ctx, tx, q, e, *ev); err != nil {
			return err
		}
	}
	return nil
}

// endpointsIn reads the user's endpoints once per transaction: the
// campaign senders' shared transaction publishes an event for each of
// many answers, and a read each (a round trip on PostgreSQL, in the one
// transaction every sender waits for) measured about a tenth of the
// throughput. Within one transaction the list read first is as right as
// any later read.
func (s *Service) endpointsIn(ctx context.Context, tx store.Tx, userID int64) ([]store.WebhookEndpoint, error) {
	key := txUser{tx.SQL(), userID}
	s.txMu.Lock()
	for _, e := range s.txSeen {
		if e.key == key {
			s.txMu.Unlock()
			return e.endpoints, nil
		}
	}
	s.txMu.Unlock()
	list, err := tx.WebhookEndpoints(ctx, userID)
	if err != nil || key.tx == nil {
		return list, err
	}
	s.txMu.Lock()
	// The entries hold their *sql.Tx, so a finished transaction's address
	// is not reused while its entry could match.
	s.txSeen[s.txNext%len(s.txSeen)] = txEndpoints{key, list}
	s.txNext++
	s.txMu.Unlock()
	return list, nil
}

type txUser struct {
	tx     *sql.Tx
	userID int64
}

type txEndpoints struct {
	key       txUser
	endpoints []store.WebhookEndpoint
}

// Publish is PublishTx in a transaction of its own, for an event learned
// after what it tells about was committed.
func (s *Service) Publish(ctx context.Context, userID int64, eventType string, data any) error {
	return s.st.InTx(ctx, func(tx store.Tx) error { return s.PublishTx(ctx, tx, userID, eventType, data) })
}

// enqueue writes one delivery and its job.
func (s *Service) enqueue(ctx context.Context, tx store.Tx, q Queue, e store.WebhookEndpoint, ev Event) (store.WebhookDelivery, error) {
	body, err := json.Marshal(ev)
	if err != nil {
		return store.WebhookDelivery{}, fmt.Errorf("event %s: %w", ev.Type, err)
	}
	d, err := tx.CreateWebhookDelivery(ctx, store.NewWebhookDelivery{EndpointID: e.ID, UserID: e.UserID,
		EventID: ev.ID, EventType: ev.Type, Body: string(body), Now: s.now()})
	if err != nil {
		return store.WebhookDelivery{}, fmt.Errorf("event %s for webhook %d: %w", ev.Type, e.ID, err)
	}
	if _, err := q.InsertTx(ctx, tx.SQL(), DeliverArgs{DeliveryID: d.ID}, nil); err != nil {
		return store.WebhookDelivery{}, fmt.Errorf("enqueue webhook delivery %d: %w", d.ID, err)
	}
	return d, nil
}
