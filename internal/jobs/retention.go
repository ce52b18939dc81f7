package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/telegramate/telegramate/internal/store"
)

// Retention is how long each kind of row is kept; zero keeps it (the
// default: nothing a user made is deleted unless the operator says so).
type Retention struct {
	// FinishedCampaigns: campaigns completed or cancelled this long ago,
	// with their deliveries.
	FinishedCampaigns time.Duration
	// MemberLists: extracted members of lists last written this long ago,
	// then the lists.
	MemberLists time.Duration
	// Inbox: messages sent this long ago, and conversations with none
	// newer.
	Inbox time.Duration
	// Activity: the accounts' activity log.
	Activity time.Duration
}

// RetentionBatch is the rows one statement deletes: a few milliseconds of
// SQLite's writer, so a request waits behind one batch at most.
const RetentionBatch = 500

// RetentionEvery is how often the retention job runs.
const RetentionEvery = time.Hour

// retentionMaxRows caps one run, so a first run on a large database
// ends and the next continues.
const retentionMaxRows = 1_000_000

// freePagesBatch is how many free SQLite pages one statement returns
// (4 MB at the default page size).
const freePagesBatch = 1000

// RetentionArgs is the periodic job that deletes what is older than its
// kind's retention. Periodic jobs are enqueued by the elected leader
// only; a run that overlaps another deletes nothing twice.
type RetentionArgs struct{}

func (RetentionArgs) Kind() string { return "retention" }

type retentionWorker struct {
	river.WorkerDefaults[RetentionArgs]
	store  store.Retention
	logger *slog.Logger
	now    func() time.Time
	r      Retention
}

// Timeout: a first run over a large database takes minutes, batch by
// batch.
func (w *retentionWorker) Timeout(*river.Job[RetentionArgs]) time.Duration { return time.Hour }

func (w *retentionWorker) Work(ctx context.Context, _ *river.Job[RetentionArgs]) error {
	_, err := Prune(ctx, w.store, w.r, w.now(), w.logger)
	return err
}

// Pruned is how many rows each kind lost in a run, and the SQLite pages
// given back.
type Pruned struct {
	FinishedCampaigns, MemberLists, Inbox, Activity, FreePages int64
}

// Prune deletes, kind by kind, what is older than its retention at now,
// RetentionBatch rows per statement, then gives SQLite's free pages back.
func Prune(ctx context.Context, st store.Retention, r Retention, now time.Time, logger *slog.Logger) (Pruned, error) {
	var p Pruned
	kinds := []struct {
		name  string
		keep  time.Duration
		prune func(context.Context, time.Time, int) (int64, error)
		n     *int64
	}{
		{"finished campaigns", r.FinishedCampaigns, st.PruneFinishedCampaigns, &p.FinishedCampaigns},
		{"member lists", r.MemberLists, st.PruneMemberLists, &p.MemberLists},
		{"inbox", r.Inbox, st.PruneInbox, &p.Inbox},
		{"activity", r.Activity, st.PruneActivity, &p.Activity},
	}
	for _, k := range kinds {
		if k.keep <= 0 {
			continue
		}
		before := now.Add(-k.keep)
		for *k.n < retentionMaxRows {
			n, err := k.prune(ctx, before, RetentionBatch)
			if err != nil {
				return p, fmt.Errorf("prune %s: %w", k.name, err)
			}
			*k.n += n
			if n < RetentionBatch {
				break
			}
		}
	}
	for {
		n, err := st.ReturnFreePages(ctx, freePagesBatch)
		if err != nil {
			return p, fmt.Errorf("return free pages: %w", err)
		}
		p.FreePages += n
		if n < freePagesBatch {
			break
		}
	}
	if p != (Pruned{}) {
		logger.Info("pruned rows past their retention", slog.Int64("campaign_rows", p.FinishedCampaigns),
			slog.Int64("member_rows", p.MemberLists), slog.Int64("inbox_rows", p.Inbox), slog.Int64("activity_rows", p.Activity),
			slog.Int64("free_pages_returned", p.FreePages))
	}
	return p, nil
}
