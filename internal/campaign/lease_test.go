package campaign_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestLostLeaseStopsTheSender: another node takes the sending account
// mid-campaign (its lease is cut short and acquired elsewhere). The
// sender's next write under the old lease is refused, so it stops at once
// (at most the sends already on their way reach Telegram) and its job
// waits for the account instead of failing or retrying; nothing is sent
// while the other node holds the account. Once that node lets go, the
// campaign finishes, every recipient messaged once.
func TestLostLeaseStopsTheSender(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), campaign.Options{})
	ctx := context.Background()
	l := e.list(sam, chatCrowd)
	e.sbx.SetLatency(10 * time.Millisecond)
	e.sbx.SetAnswerDelay(10 * time.Millisecond)
	v := e.create(campaign.CreateInput{Message: "Hello {first_name|there}", Audience: campaign.Audience{ListIDs: []int64{l}},
		SenderAccountIDs: []int64{e.account(sam)}, Pacing: campaign.PacingInput{MinIntervalSeconds: intp(0), DailyCap: intp(1000)}})
	e.start(v.ID)
	e.waitFor(v.ID, "20 sent", func(v campaign.View) bool { return v.Counts.Sent >= 20 })

	acct := e.account(sam)
	cur, err := e.st.LeaseOf(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.RenewLease(ctx, cur.Fence(), time.Millisecond); err != nil {
		t.Fatalf("cut the sender's lease short: %v", err)
	}
	var other store.Lease
	for deadline := time.Now().Add(10 * time.Second); ; {
		l, ok, err := e.st.AcquireLease(ctx, acct, "other-node", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			other = l
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the account was never free: %+v", l)
		}
		time.Sleep(time.Millisecond)
	}
	takenAt := time.Now()

	// The sender's job waits (snoozed until the lease would end).
	for deadline := time.Now().Add(60 * time.Second); ; {
		res, err := e.jobs.JobList(ctx, river.NewJobListParams().Kinds(campaign.SendArgs{}.Kind()).
			States(rivertype.JobStateScheduled, rivertype.JobStateRetryable, rivertype.JobStateDiscarded, rivertype.JobStateCancelled))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Jobs) > 0 {
			if j := res.Jobs[0]; j.State != rivertype.JobStateScheduled || len(j.Errors) > 0 {
				t.Fatalf("the sender's job is %s with errors %v, want it snoozed", j.State, j.Errors)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the sender's job never stopped to wait for the account")
		}
		time.Sleep(10 * time.Millisecond)
	}
	stopped := len(e.sentBy(sam.TGUserID))
	late := 0
	for _, m := range e.sentBy(sam.TGUserID) {
		if m.Date.After(takenAt) {
			late++
		}
	}
	// A send on its way and the one claimed ahead of it may land.
	if late > 2 {
		t.Errorf("%d messages reached Telegram after the other node took the account", late)
	}
	if v, _ := e.svc.Get(ctx, e.user, v.ID); v.Status != store.CampaignRunning || v.Counts.Pending == 0 {
		t.Fatalf("after the takeover: %s %+v", v.Status, v.Counts)
	}
	e.waitFor(v.ID, "a moment with the account taken", func(campaign.View) bool { return time.Since(takenAt) > time.Second })
	if n := len(e.sentBy(sam.TGUserID)); n != stopped {
		t.Fatalf("%d messages sent while another node held the account", n-stopped)
	}

	if err := e.st.ReleaseLease(ctx, other.Fence()); err != nil {
		t.Fatal(err)
	}
	v = e.waitDone(v.ID)
	if v.Status != store.CampaignCompleted || v.Counts.Pending != 0 || v.Counts.Sending != 0 {
		t.Fatalf("campaign %s %+v", v.Status, v.Counts)
	}
	per := map[int64]int{}
	for _, m := range e.sentBy(sam.TGUserID) {
		per[m.To]++
	}
	for to, n := range per {
		if n != 1 {
			t.Errorf("recipient %d got %d messages", to, n)
		}
	}
	if len(per) != v.Counts.Sent {
		t.Errorf("%d recipients messaged, %d deliveries sent", len(per), v.Counts.Sent)
	}
}
