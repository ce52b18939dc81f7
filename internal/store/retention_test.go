package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestRetentionPrunesOnlyWhatIsOlder: with a cut-off between an old time
// and a new one, each kind's pruning (in batches of two, as the job calls
// it) deletes exactly the old rows: finished campaigns with their
// deliveries, but not a running one or one finished after the cut-off;
// members of lists written before it, but not a list an extraction is
// still filling; old inbox messages, and conversations left empty, while a
// conversation with a recent message stays with that message; old
// activity; finished webhook deliveries, not pending ones. On both
// engines.
func TestRetentionPrunesOnlyWhatIsOlder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		old, cutoff, recent := t0, t0.Add(10*24*time.Hour), t0.Add(20*24*time.Hour)
		ann := mustUser(t, s, "ann@example.com")
		a := mustAccount(t, s, ann.ID, 1, "9996620001")

		finish := func(c store.Campaign, status string, at time.Time) {
			t.Helper()
			if _, err := s.SetCampaignStatus(ctx, ann.ID, c.ID, []string{store.CampaignDraft}, store.CampaignRunning, "", old); err != nil {
				t.Fatal(err)
			}
			if status == store.CampaignRunning {
				return
			}
			if _, err := s.SetCampaignStatus(ctx, ann.ID, c.ID, []string{store.CampaignRunning}, status, "", at); err != nil {
				t.Fatal(err)
			}
		}
		oldDone, oldCancelled := newCampaign(t, s, ann.ID, a.ID), newCampaign(t, s, ann.ID, a.ID)
		recentDone, running := newCampaign(t, s, ann.ID, a.ID), newCampaign(t, s, ann.ID, a.ID)
		finish(oldDone, store.CampaignCompleted, old)
		finish(oldCancelled, store.CampaignCancelled, old)
		finish(recentDone, store.CampaignCompleted, recent)
		finish(running, store.CampaignRunning, old)

		list := func(at time.Time, status string) store.Extraction {
			t.Helper()
			e, err := s.CreateExtraction(ctx, store.NewExtraction{UserID: ann.ID, AccountID: a.ID, ListName: "L",
				Chat: store.Chat{TGChatID: 20, Kind: store.ChatSupergroup, Title: "Big"}, Now: at})
			if err != nil {
				t.Fatal(err)
			}
			if status == store.ExtractionQueued {
				return e
			}
			if _, err := s.StartExtractionRun(ctx, e.ID, "run", at); err != nil {
				t.Fatal(err)
			}
			if _, err := s.SaveMembersPage(ctx, store.Checkpoint{ExtractionID: e.ID, RunToken: "run", Phase: "recent", Total: 3, Now: at},
				[]store.Member{member(a.ID, 1, "A", "", ""), member(a.ID, 2, "B", "", ""), member(a.ID, 3, "C", "", "")}); err != nil {
				t.Fatal(err)
			}
			if err := s.FinishExtraction(ctx, e.ID, "run", status, "", "", "", at); err != nil {
				t.Fatal(err)
			}
			return e
		}
		oldList, recentList, filling := list(old, store.ExtractionCompleted), list(recent, store.ExtractionCompleted), list(old, store.ExtractionQueued)

		conversation := func(tgUser int64, at ...time.Time) store.Conversation {
			t.Helper()
			c, _, err := s.UpsertConversation(ctx, store.ConversationPeer{UserID: ann.ID, AccountID: a.ID, TGUserID: tgUser, Now: at[0]})
			if err != nil {
				t.Fatal(err)
			}
			for i, when := range at {
				if _, _, err := s.AddInboxMessage(ctx, store.InboxMessage{ConversationID: c.ID, UserID: ann.ID, AccountID: a.ID,
					TGMessageID: i + 1, Direction: store.DirectionIn, Origin: store.OriginPerson, Text: "hi", SentAt: when, CreatedAt: when}); err != nil {
					t.Fatal(err)
				}
			}
			return c
		}
		quiet := conversation(501, old, old.Add(time.Hour))
		lively := conversation(502, old, recent)

		for _, at := range []time.Time{old, old.Add(time.Minute), recent} {
			if _, err := s.AddActivity(ctx, store.Activity{AccountID: a.ID, UserID: ann.ID, Event: "connected", CreatedAt: at}); err != nil {
				t.Fatal(err)
			}
		}

		ep, err := s.CreateWebhookEndpoint(ctx, store.NewWebhookEndpoint{UserID: ann.ID, URL: "https://h.example.com", SecretSealed: []byte{1},
			Events: []string{"delivery.sent"}, Now: old})
		if err != nil {
			t.Fatal(err)
		}
		hook := func(id string, done time.Time) {
			t.Helper()
			d, err := s.CreateWebhookDelivery(ctx, store.NewWebhookDelivery{EndpointID: ep.ID, UserID: ann.ID, EventID: id,
				EventType: "delivery.sent", Body: "{}", Now: old})
			if err != nil {
				t.Fatal(err)
			}
			if done.IsZero() {
				return
			}
			if _, err := s.RecordWebhookAttempt(ctx, store.WebhookAttempt{ID: d.ID, State: store.WebhookDelivered, Status: 204, Now: done}); err != nil {
				t.Fatal(err)
			}
		}
		hook("evt_old", old)
		hook("evt_recent", recent)
		hook("evt_pending", time.Time{})

		prune := func(name string, fn func(context.Context, time.Time, int) (int64, error)) int64 {
			t.Helper()
			var total int64
			for {
				n, err := fn(ctx, cutoff, 2)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if n > 2 {
					t.Fatalf("%s deleted %d rows in a batch of 2", name, n)
				}
				total += n
				if n < 2 {
					return total
				}
			}
		}
		// 2 campaigns with 4 deliveries each; 3 members and 1 list (its
		// extraction goes with it); 3 messages and 1 conversation; 2
		// activity rows; 1 webhook delivery.
		for name, c := range map[string]struct {
			fn   func(context.Context, time.Time, int) (int64, error)
			want int64
		}{
			"campaigns": {s.PruneFinishedCampaigns, 10},
			"members":   {s.PruneMemberLists, 4},
			"inbox":     {s.PruneInbox, 4},
			"activity":  {s.PruneActivity, 2},
			"webhooks":  {s.PruneWebhookDeliveries, 1},
		} {
			if got := prune(name, c.fn); got != c.want {
				t.Errorf("%s: pruned %d rows, want %d", name, got, c.want)
			}
		}

		for _, c := range []store.Campaign{oldDone, oldCancelled} {
			if _, err := s.CampaignByID(ctx, ann.ID, c.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("campaign finished before the cut-off is still there: %v", err)
			}
		}
		for _, c := range []store.Campaign{recentDone, running} {
			if got, err := s.CampaignByID(ctx, ann.ID, c.ID); err != nil || got.Recipients != 4 {
				t.Errorf("campaign %d (%s): %+v %v", c.ID, got.Status, got, err)
			}
			if n := countDeliveries(t, s, c.ID); n != 4 {
				t.Errorf("campaign %d kept %d deliveries, want 4", c.ID, n)
			}
		}
		if _, err := s.MemberListByID(ctx, ann.ID, oldList.ListID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("list written before the cut-off is still there: %v", err)
		}
		if n, err := s.CountMembers(ctx, recentList.ListID, store.MemberFilter{}); err != nil || n != 3 {
			t.Errorf("recent list has %d members (%v), want 3", n, err)
		}
		if _, err := s.MemberListByID(ctx, ann.ID, filling.ListID); err != nil {
			t.Errorf("the list an extraction is filling went: %v", err)
		}
		if _, err := s.ConversationByID(ctx, ann.ID, quiet.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("conversation quiet since before the cut-off is still there: %v", err)
		}
		if _, err := s.ConversationByID(ctx, ann.ID, lively.ID); err != nil {
			t.Errorf("conversation with a recent message went: %v", err)
		}
		if msgs := threadOf(t, s, ann.ID, lively.ID); len(msgs) != 1 || !msgs[0].SentAt.Equal(recent.Truncate(time.Microsecond)) {
			t.Errorf("the lively conversation keeps %+v, want its recent message only", msgs)
		}
		if got, err := s.ListActivity(ctx, ann.ID, a.ID, 10); err != nil || len(got) != 1 || !got[0].CreatedAt.Equal(recent.Truncate(time.Microsecond)) {
			t.Errorf("activity left: %+v %v", got, err)
		}
		hooks, err := s.WebhookDeliveries(ctx, ann.ID, ep.ID, 10)
		if err != nil || len(hooks) != 2 || hooks[0].EventID != "evt_pending" || hooks[1].EventID != "evt_recent" {
			t.Errorf("webhook deliveries left: %+v %v", hooks, err)
		}
	})
}

func countDeliveries(t *testing.T, s store.Store, campaignID int64) int {
	t.Helper()
	ds, err := s.ListDeliveries(context.Background(), campaignID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return len(ds)
}

func threadOf(t *testing.T, s store.Store, _, conversationID int64) []store.InboxMessage {
	t.Helper()
	ms, err := s.ListInboxMessages(context.Background(), conversationID, store.InboxMessageCursor{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}
