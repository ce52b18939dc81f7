package inbox_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestLiveWhileCampaignWaits: an account whose campaign waits (its daily
// cap reached, its window closed, a FLOOD_WAIT on its sends) still hears
// everything written to it: a stranger's first message and a campaign
// recipient's reply reach the inbox, and the reply is counted on its
// delivery, while the campaign keeps waiting. Before the account runtime
// the listener stepped aside for the sending job, which slept through
// the wait, and nothing arrived until the campaign was paused.
func TestLiveWhileCampaignWaits(t *testing.T) {
	closed := func() *campaign.WindowInput {
		// A window of one minute, twelve hours from now: closed now.
		at := time.Now().UTC().Add(12 * time.Hour)
		return &campaign.WindowInput{From: at.Format("15:04"), To: at.Add(time.Minute).Format("15:04"), TimeZone: "UTC"}
	}
	cases := []struct {
		name   string
		pacing func() campaign.PacingInput
		fault  *sandbox.Fault
		// sends is how many messages go before the campaign waits.
		sends int
	}{
		{name: "daily cap", pacing: func() campaign.PacingInput {
			return campaign.PacingInput{MinIntervalSeconds: intp(0), DailyCap: intp(1)}
		}, sends: 1},
		{name: "window closed", pacing: func() campaign.PacingInput {
			return campaign.PacingInput{MinIntervalSeconds: intp(0), DailyCap: intp(100), Window: closed()}
		}, sends: 0},
		{name: "flood wait", pacing: func() campaign.PacingInput {
			return campaign.PacingInput{MinIntervalSeconds: intp(0), DailyCap: intp(100)}
		}, fault: &sandbox.Fault{Method: "messages.sendMessage", After: 1, Error: "FLOOD_WAIT_3600", Phone: sam.Phone}, sends: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, st store.Store) {
				ctx := context.Background()
				e := newEnv(t, st, inbox.Options{})
				if tc.fault != nil {
					if err := e.sbx.SetFault(*tc.fault); err != nil {
						t.Fatal(err)
					}
				}
				list := e.list(sam.TGUserID)
				v, err := e.camp.Create(ctx, e.user, campaign.CreateInput{Name: "Waits", Message: "Hi {first_name|there}",
					Audience: campaign.Audience{ListIDs: []int64{list}}, SenderAccountIDs: []int64{e.account(sam.TGUserID)},
					Pacing: tc.pacing()})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := e.camp.Start(ctx, e.user, v.ID); err != nil {
					t.Fatal(err)
				}
				// The campaign waits: its sends are made (or none), the rest
				// pending, and it stays running.
				var sentTo int64
				e.waitFor(fmt.Sprintf("%d send(s), then the wait", tc.sends), func() (bool, error) {
					var sent int
					if err := e.camp.Deliveries(ctx, e.user, v.ID, func(r campaign.DeliveryRow) error {
						if r.State == store.DeliverySent {
							sent++
							sentTo = r.UserID
						}
						return nil
					}); err != nil {
						return false, err
					}
					if tc.fault != nil {
						a, err := e.acc.Get(ctx, e.user, e.account(sam.TGUserID))
						return err == nil && sent == tc.sends && a.Status == "flood_wait", err
					}
					return sent == tc.sends, nil
				})
				if tc.sends == 0 {
					// Nothing sent in a closed window: a member of the
					// audience writes first instead.
					sentTo = quiet
				}
				if _, err := e.sbx.Write(stranger, sam.TGUserID, "Hello, who is this?", nil); err != nil {
					t.Fatal(err)
				}
				if _, err := e.sbx.Write(sentTo, sam.TGUserID, "Answering while you wait", nil); err != nil {
					t.Fatal(err)
				}
				e.waitFor("both messages in the inbox while the campaign waits", func() (bool, error) {
					page, err := e.svc.List(ctx, e.user, inbox.Filter{})
					if err != nil {
						return false, err
					}
					got := 0
					for _, c := range page.Conversations {
						if (c.TGUserID == stranger && c.LastMessageText == "Hello, who is this?") ||
							(c.TGUserID == sentTo && c.LastMessageText == "Answering while you wait") {
							got++
						}
					}
					return got == 2, nil
				})
				got, err := e.camp.Get(ctx, e.user, v.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Status != store.CampaignRunning {
					t.Errorf("campaign %s, want it still running (waiting)", got.Status)
				}
				if tc.sends > 0 && got.Counts.Replied != 1 {
					t.Errorf("replied = %d, want the reply counted on its delivery", got.Counts.Replied)
				}
			})
		})
	}
}

// TestOneConnectionForAllOfAnAccountsWork: an extraction, a campaign,
// ten chat listings, the sessions page and an answer all go over the
// account's one live connection: the data center records one connection
// of the account for all of it (before the account runtime every job and
// every page opened its own).
func TestOneConnectionForAllOfAnAccountsWork(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, storetest.SQLite(t), inbox.Options{})
	e.listening(sam.TGUserID)
	list := e.list(sam.TGUserID)
	v, err := e.camp.Create(ctx, e.user, campaign.CreateInput{Name: "One line", Message: "Hi {first_name|there}",
		Audience: campaign.Audience{ListIDs: []int64{list}}, SenderAccountIDs: []int64{e.account(sam.TGUserID)},
		Pacing: campaign.PacingInput{MinIntervalSeconds: intp(0), DailyCap: intp(100)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.camp.Start(ctx, e.user, v.ID); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if _, err := e.ext.RefreshChats(ctx, e.user, e.account(sam.TGUserID)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.acc.Sessions(ctx, accounts.Actor{UserID: e.user}, e.account(sam.TGUserID)); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the campaign's end", func() (bool, error) {
		v, err = e.camp.Get(ctx, e.user, v.ID)
		return err == nil && v.Final(), err
	})
	if v.Counts.Sent == 0 {
		t.Fatalf("the campaign sent nothing: %+v", v.Counts)
	}
	var conns []sandbox.Connection
	for _, c := range e.sbx.ConnectionLog() {
		if c.UserID == sam.TGUserID {
			conns = append(conns, c)
		}
	}
	if len(conns) != 1 {
		t.Errorf("%d connections of the account in the data center's record, want its one live connection: %+v", len(conns), conns)
	}
}
