package campaign_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestInternalErrorsResumeTheRunSoon: Telegram answers INTERNAL to every
// third send. Each run the error ends resumes after a short wait of the
// campaign's own, not through River's retries: the sender's job has no
// error recorded and its attempt does not grow; every recipient gets the
// message once (a send left mid-way goes again with its random_id).
func TestInternalErrorsResumeTheRunSoon(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		e := newEnv(t, st, campaign.Options{TransientWait: 10 * time.Millisecond})
		list := e.list(sam, chatMeetup)
		if err := e.sbx.SetFault(sandbox.Fault{Method: "messages.sendMessage", After: 1, Every: 3, Error: "INTERNAL", Phone: sam.Phone}); err != nil {
			t.Fatal(err)
		}
		v := e.create(campaign.CreateInput{Message: "Hello {first_name|there}", Audience: campaign.Audience{ListIDs: []int64{list}},
			SenderAccountIDs: []int64{e.account(sam)}, Pacing: campaign.PacingInput{MinIntervalSeconds: intp(0)}})
		e.start(v.ID)
		v = e.waitDone(v.ID)
		if v.Status != store.CampaignCompleted || v.Counts.Pending != 0 || v.Counts.Sent != 8 {
			t.Fatalf("campaign %s with counts %+v, want completed with 8 sent", v.Status, v.Counts)
		}
		hits := 0
		for _, h := range e.sbx.FaultHits() {
			if h.Error == "INTERNAL" {
				hits++
			}
		}
		if hits < 2 {
			t.Fatalf("INTERNAL fired %d times, want several", hits)
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
		res, err := e.jobs.JobList(ctx, river.NewJobListParams().Kinds(campaign.SendArgs{}.Kind()).
			States(rivertype.JobStateAvailable, rivertype.JobStateCompleted, rivertype.JobStateRunning, rivertype.JobStateScheduled,
				rivertype.JobStateRetryable, rivertype.JobStateDiscarded, rivertype.JobStateCancelled))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Jobs) == 0 {
			t.Fatal("no sender job found")
		}
		for _, j := range res.Jobs {
			if len(j.Errors) > 0 || j.Attempt > 1 {
				t.Errorf("the sender's job %d (%s) took River's error path: attempt %d, errors %s", j.ID, j.State, j.Attempt, errorsOf(j))
			}
		}
	})
}

func errorsOf(j *rivertype.JobRow) string {
	var s []string
	for _, e := range j.Errors {
		s = append(s, e.Error)
	}
	return strings.Join(s, "; ")
}
