package campaign

import (
	"context"
	"fmt"
	"time"

	"github.com/telegramate/telegramate/internal/store"
)

// Events receives what campaigns do, for webhooks; *webhook.Service
// implements it. PublishTx writes the event in tx, so it commits (or is
// lost) with the answer it tells about, in the senders' shared
// transaction: the group commit stays one commit.
type Events interface {
	PublishTx(ctx context.Context, tx store.Tx, userID int64, eventType string, data any) error
}

// The event types campaigns publish.
const (
	EventDeliverySent      = "delivery.sent"
	EventDeliveryFailed    = "delivery.failed"
	EventCampaignCompleted = "campaign.completed"
)

// eventSink is where the service's events go; nil publishes none.
func (s *Service) eventSink() Events { return s.o.Events }

// DeliveryEvent is the object of delivery.sent and delivery.failed.
type DeliveryEvent struct {
	ID           int64          `json:"id"`
	CampaignID   int64          `json:"campaign_id"`
	CampaignName string         `json:"campaign_name"`
	AccountID    int64          `json:"account_id"`
	Recipient    EventRecipient `json:"recipient"`
	State        string         `json:"state"`
	MessageID    int            `json:"message_id,omitempty"`
	ReasonCode   string         `json:"reason_code,omitempty"`
	Reason       string         `json:"reason,omitempty"`
	At           time.Time      `json:"at"`
}

// EventRecipient is who a delivery is for.
type EventRecipient struct {
	UserID    int64  `json:"user_id,omitempty"`
	Username  string `json:"username,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
}

// CampaignEvent is the object of campaign.completed.
type CampaignEvent struct {
	ID          int64       `json:"id"`
	Name        string      `json:"name"`
	Status      string      `json:"status"`
	CompletedAt time.Time   `json:"completed_at"`
	Counts      EventCounts `json:"counts"`
}

// EventCounts are a completed campaign's outcomes.
type EventCounts struct {
	Sent    int `json:"sent"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	Replied int `json:"replied"`
}

// publishDelivery tells of a delivery's end, sent or failed, in tx.
func publishDelivery(ctx context.Context, ev Events, tx store.Tx, d store.Delivery, c store.Campaign, why *reason, messageID int, now time.Time) error {
	if ev == nil {
		return nil
	}
	e := DeliveryEvent{ID: d.ID, CampaignID: c.ID, CampaignName: c.Name, AccountID: d.AccountID,
		Recipient: EventRecipient{UserID: d.TGUserID, Username: d.Username, FirstName: d.FirstName, LastName: d.LastName},
		State:     store.DeliverySent, MessageID: messageID, At: now.UTC()}
	typ := EventDeliverySent
	if why != nil {
		typ, e.State, e.ReasonCode, e.Reason, e.MessageID = EventDeliveryFailed, store.DeliveryFailed, why.code, why.text, 0
	}
	if err := ev.PublishTx(ctx, tx, d.UserID, typ, e); err != nil {
		return fmt.Errorf("publish %s of delivery %d: %w", typ, d.ID, err)
	}
	return nil
}

// publishCompleted tells of a campaign's completion, in tx.
func publishCompleted(ctx context.Context, ev Events, tx store.Tx, c store.Campaign, now time.Time) error {
	if ev == nil {
		return nil
	}
	n, err := tx.CampaignCounts(ctx, c.ID)
	if err != nil {
		return fmt.Errorf("counts of campaign %d: %w", c.ID, err)
	}
	e := CampaignEvent{ID: c.ID, Name: c.Name, Status: store.CampaignCompleted, CompletedAt: now.UTC(),
		Counts: EventCounts{Sent: n.Sent, Failed: n.Failed, Skipped: n.Skipped, Replied: n.Replied}}
	if err := ev.PublishTx(ctx, tx, c.UserID, EventCampaignCompleted, e); err != nil {
		return fmt.Errorf("publish campaign.completed of campaign %d: %w", c.ID, err)
	}
	return nil
}
