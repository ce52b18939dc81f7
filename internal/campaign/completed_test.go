package campaign_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/testkit"
)

// events records what the campaign publishes, as the webhook outbox
// would (in the same transaction).
type events struct {
	mu   sync.Mutex
	list []campaign.CampaignEvent
}

func (e *events) PublishTx(_ context.Context, _ store.Tx, _ int64, typ string, data any) error {
	if c, ok := data.(campaign.CampaignEvent); ok && typ == campaign.EventCampaignCompleted {
		e.mu.Lock()
		e.list = append(e.list, c)
		e.mu.Unlock()
	}
	return nil
}

func (e *events) completed() []campaign.CampaignEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]campaign.CampaignEvent(nil), e.list...)
}

// TestCompletedCountsRepliesTelegramHad: Ann and Dan answer at once, and
// their answers take a while to be stored (a busy database). The campaign
// completes after its last send, and campaign.completed counts both
// replies, since Telegram had them by then: a newcomer saw replied 0 in
// the event while the campaign showed 1.
func TestCompletedCountsRepliesTelegramHad(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		ev := &events{}
		e := newEnv(t, st, campaign.Options{Events: ev})
		e.in.OnMessageTx(func(ctx context.Context, tx store.Tx, c inbox.Conversation, m inbox.Message) error {
			if m.Incoming() && (c.TGUserID == ann || c.TGUserID == dan) {
				time.Sleep(1500 * time.Millisecond)
			}
			return nil
		})
		v := e.create(campaign.CreateInput{
			Message:          "Hi {first_name|there}, see you at the meetup",
			Audience:         campaign.Audience{ListIDs: []int64{e.list(sam, chatMeetup)}},
			SenderAccountIDs: []int64{e.account(sam)},
			Pacing:           campaign.PacingInput{MinIntervalSeconds: intp(0), DailyCap: intp(100)},
		})
		e.start(v.ID)
		v = e.waitDone(v.ID)
		if v.Status != store.CampaignCompleted || v.Counts.Sent != 8 {
			t.Fatalf("campaign %s, counts %+v: want completed with 8 sent", v.Status, v.Counts)
		}
		got := ev.completed()
		if len(got) != 1 {
			t.Fatalf("%d campaign.completed events, want 1", len(got))
		}
		if got[0].Counts.Replied != 2 {
			t.Errorf("campaign.completed counts %d replied, want Ann's and Dan's 2 (Telegram had both before the campaign completed)", got[0].Counts.Replied)
		}
	})
}

// TestCompletionStoresTheUpdatesState: before it completes, a campaign
// waits until the account's updates are stored up to what Telegram has.
// The connection stores its state on a tick (every second; an hour here),
// so the wait stores it itself: the campaign completes caught up, not
// after its 20 s wait gave up (and every completion and follow-up no
// longer waits up to a second for the tick).
func TestCompletionStoresTheUpdatesState(t *testing.T) {
	var logs testkit.SyncBuffer
	e := newEnv(t, storetest.SQLite(t), campaign.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))},
		func(o *accounts.Options) { o.UpdatesFlushEvery = time.Hour })
	v := e.create(campaign.CreateInput{
		Message:          "Hi {first_name|there}, see you at the meetup",
		Audience:         campaign.Audience{ListIDs: []int64{e.list(sam, chatMeetup)}},
		SenderAccountIDs: []int64{e.account(sam)},
		Pacing:           campaign.PacingInput{MinIntervalSeconds: intp(0), DailyCap: intp(100)},
	})
	e.start(v.ID)
	v = e.waitDone(v.ID)
	if v.Status != store.CampaignCompleted {
		t.Fatalf("campaign %s: %+v", v.Status, v.Counts)
	}
	if strings.Contains(logs.String(), "not caught up") {
		t.Errorf("the campaign completed without its account's updates caught up:\n%s", logs.String())
	}
}
