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
// mid-campaign (its lease is cut short and acquired elsewhere, for a few
// seconds). The sender's next write under the old lease is refused, so it
// stops at once (at most the sends already on their way reach Telegram)
// and waits for the account instead of failing or retrying blindly;
// nothing is sent while the other node holds the account. Once that
// node's lease ends, the campaign finishes, every recipient messaged once.
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
	const held = 4 * time.Second
	var other store.Lease
	for deadline := time.Now().Add(10 * time.Second); ; {
		l, ok, err := e.st.AcquireLease(ctx, acct, "other-node", held)
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

	v = e.waitDone(v.ID)
	if v.Status != store.CampaignCompleted || v.Counts.Pending != 0 || v.Counts.Sending != 0 {
		t.Fatalf("campaign %s %+v", v.Status, v.Counts)
	}
	if now, _ := e.st.LeaseOf(ctx, acct); now.Token <= other.Token {
		t.Fatalf("the campaign completed without taking the account back: %+v", now)
	}
	var late, during int
	for _, m := range e.sentBy(sam.TGUserID) {
		switch {
		case m.Date.Before(takenAt):
		case m.Date.Before(takenAt.Add(100 * time.Millisecond)):
			late++
		case m.Date.Before(takenAt.Add(held)):
			during++
		}
	}
	// A send on its way and the one claimed ahead of it may land.
	if late > 2 || during > 0 {
		t.Errorf("after the other node took the account: %d messages at once, %d more while it held it", late, during)
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
	// The refusal stopped the run without a failed attempt: no error on
	// the sender's job.
	res, err := e.jobs.JobList(ctx, river.NewJobListParams().Kinds(campaign.SendArgs{}.Kind()).
		States(rivertype.JobStateAvailable, rivertype.JobStateCompleted, rivertype.JobStateRunning, rivertype.JobStateScheduled,
			rivertype.JobStateRetryable, rivertype.JobStateDiscarded, rivertype.JobStateCancelled))
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range res.Jobs {
		if len(j.Errors) > 0 {
			t.Errorf("the sender's job %d (%s) has errors: %v", j.ID, j.State, j.Errors[0].Error)
		}
	}
}
