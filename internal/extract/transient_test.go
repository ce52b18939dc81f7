package extract_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestInternalErrorsResumeTheExtractionSoon: Telegram answers INTERNAL to
// every third page. Each run the error ends resumes from its last saved
// page after a short wait of the extraction's own, not through River's
// retries: the job has no error recorded and its attempt does not grow,
// and the list is whole, each member once.
func TestInternalErrorsResumeTheExtractionSoon(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		e := newEnvWith(t, st, false, extract.Options{TransientWait: 10 * time.Millisecond})
		jobs := e.startJobs()
		t.Cleanup(sbx.ClearFaults)
		if err := sbx.SetFault(sandbox.Fault{Method: "channels.getParticipants", After: 2, Every: 3, Error: "INTERNAL"}); err != nil {
			t.Fatal(err)
		}
		before := participantCalls()
		x := e.wait(e.start(extract.StartInput{AccountID: e.ann, ChatID: chatGoDevs}).ID)
		if x.Status != store.ExtractionCompleted || x.Fetched != 1506 {
			t.Fatalf("finished %+v", x)
		}
		// 8 pages, and the refused calls between them.
		if calls := participantCalls() - before; calls < 8+3 {
			t.Errorf("%d getParticipants calls: INTERNAL did not fire between the pages", calls)
		}
		e.checkMembers(e.members(x.ListID), expected(chatGoDevs, false), e.ann)
		res, err := jobs.JobList(context.Background(), river.NewJobListParams().Kinds(extract.JobArgs{}.Kind()).
			States(rivertype.JobStateAvailable, rivertype.JobStateCompleted, rivertype.JobStateRunning, rivertype.JobStateScheduled,
				rivertype.JobStateRetryable, rivertype.JobStateDiscarded, rivertype.JobStateCancelled))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Jobs) != 1 {
			t.Fatalf("%d extraction jobs, want 1", len(res.Jobs))
		}
		if j := res.Jobs[0]; len(j.Errors) > 0 || j.Attempt > 1 {
			t.Errorf("the extraction's job took River's error path: attempt %d, %d errors (first: %v)", j.Attempt, len(j.Errors), j.Errors)
		}
	})
}
