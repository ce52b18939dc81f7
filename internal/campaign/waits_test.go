package campaign_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestCappedAccountWaitsForItsDayAndWindow: an account at its daily cap
// goes on at midnight in the window's time zone, or, when the window is
// closed then, when it opens; the page's words name the zone's time.
func TestCappedAccountWaitsForItsDayAndWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 12, 7, 22, 30, 0, 0, time.UTC) // 23:30 in Berlin
		svc := quietService(t, st, campaign.Options{Now: func() time.Time { return now }})
		uid := newUser(t, st, "ann@example.com")
		a, err := st.CreateAccount(ctx, uid, store.AccountLogin{APIID: 2000401, APIHashSealed: []byte("x"), Phone: "9996614001",
			TGUserID: 2000401, FirstName: "Capped", SessionSealed: []byte("x"), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.InTx(ctx, func(tx store.Tx) error {
			p, err := tx.LockPace(ctx, a.ID, now)
			if err != nil {
				return err
			}
			p.LastSendAt, p.NextSendAt, p.Day, p.DayCount = now.Add(-time.Hour), now.Add(-time.Hour), "2026-12-07@Europe/Berlin", 2
			return tx.SavePace(ctx, p, now)
		}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			window string // from, closing at 23:45 Berlin
			until  time.Time
			detail string
		}{
			{"00:00", time.Date(2026, 12, 7, 23, 0, 0, 0, time.UTC), "Daily cap of 2 reached; next send at 00:00 Europe/Berlin (in 30 minutes)."},
			{"09:00", time.Date(2026, 12, 8, 8, 0, 0, 0, time.UTC), "Daily cap of 2 reached; next send at 09:00 Europe/Berlin (in 9 hours 30 minutes)."},
		} {
			c, err := st.CreateCampaign(ctx, store.NewCampaign{
				Campaign: store.Campaign{UserID: uid, Name: "From " + tc.window, Message: "hi", Status: store.CampaignRunning, MinIntervalSeconds: 30,
					DailyCap: 2, WindowFrom: tc.window, WindowTo: "23:45", TimeZone: "Europe/Berlin", FailurePercent: 10, Audience: "{}",
					CreatedAt: now, StartedAt: now, SenderIDs: []int64{a.ID}},
				Deliveries: []store.NewDelivery{{AccountID: a.ID, TGUserID: 11, AccessHash: 1, State: store.DeliveryPending, RandomID: int64(len(tc.window)) + tc.until.Unix()}},
			})
			if err != nil {
				t.Fatal(err)
			}
			v, err := svc.Get(ctx, uid, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			av := v.Accounts[0]
			if av.State != campaign.AccountWaiting || av.Reason != campaign.HoldDailyCap || !av.Until.Equal(tc.until) || av.Detail != tc.detail || av.Label() != "daily cap reached" {
				t.Errorf("window from %s: %s/%s until %v %q, want waiting/daily_cap until %v %q", tc.window, av.State, av.Reason, av.Until, av.Detail, tc.until, tc.detail)
			}
			why, resumes, stalled := v.Stalled()
			if !stalled || !resumes.Equal(tc.until) || !strings.HasPrefix(why, "No account can send now: daily cap reached. Sending resumes at "+tc.detail[len("Daily cap of 2 reached; next send at "):len(tc.detail)-1]) {
				t.Errorf("window from %s: the campaign says %q (stalled %v, resumes %v)", tc.window, why, stalled, resumes)
			}
		}
	})
}
