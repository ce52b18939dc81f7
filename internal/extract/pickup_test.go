package extract_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestStartedExtractionDoesNotWaitForRiversPoll starts an extraction on a
// SQLite node whose River client polls for new jobs only once an hour: the
// job inserted in Start's transaction must still be taken at once. River's
// SQLite driver hears of it through its notification table (checked every
// 50 ms), as PostgreSQL nodes do through LISTEN/NOTIFY; the extraction's
// wall time (BenchmarkExtract100kWithLatency) counts on it, and a River
// that fell back to polling would add up to a second to every start.
func TestStartedExtractionDoesNotWaitForRiversPoll(t *testing.T) {
	st := storetest.SQLite(t)
	e := newEnvWith(t, st, false, extract.Options{})
	ctx := context.Background()
	jc, err := jobs.New(ctx, jobs.Options{
		Store:             st,
		Register:          func(w *river.Workers) { extract.Register(w, e.svc) },
		FetchPollInterval: time.Hour,
		PruneInterval:     time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := jc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := jc.Close(ctx); err != nil {
			t.Errorf("close jobs: %v", err)
		}
	})
	e.svc.SetQueue(jc)
	// The prune job enqueued at start wakes the workers once; the
	// extraction must not ride on that.
	waitUntil(t, "the start-up prune job to be worked", func() bool {
		res, err := jc.JobList(ctx, river.NewJobListParams().Kinds(jobs.PruneArgs{}.Kind()).States(rivertype.JobStateCompleted))
		return err == nil && len(res.Jobs) > 0
	})

	x := e.start(extract.StartInput{AccountID: e.ann, ChatID: chatGoDevs})
	x = e.wait(x.ID)
	if x.Status != store.ExtractionCompleted || x.Fetched != 1506 {
		t.Fatalf("extraction %s with %d members, want completed with 1,506", x.Status, x.Fetched)
	}
	res, err := jc.JobList(ctx, river.NewJobListParams().Kinds(extract.JobArgs{}.Kind()).States(
		rivertype.JobStateAvailable, rivertype.JobStateCancelled, rivertype.JobStateCompleted, rivertype.JobStateDiscarded,
		rivertype.JobStatePending, rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Jobs) != 1 {
		t.Errorf("%d extraction jobs, want the one", len(res.Jobs))
	}
}
