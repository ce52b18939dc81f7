package store

import (
	"context"
	"errors"
	"time"
)

// Retention deletes what is older than a time, a batch of at most max
// rows per call, for the pruning job (jobs.RetentionArgs): each call is
// one short statement, so SQLite's writer is held for a batch at a time.
// Each returns the rows it deleted; fewer than max means the kind is done.
type Retention interface {
	// PruneFinishedCampaigns deletes the deliveries of campaigns that
	// completed or were cancelled before a time, then those campaigns
	// once they have none left: a campaign's report is its deliveries.
	// Running, paused and scheduled campaigns keep everything.
	PruneFinishedCampaigns(ctx context.Context, before time.Time, max int) (int64, error)
	// PruneMemberLists deletes the members of lists last written (by an
	// extraction or a merge) before a time, then the emptied lists with
	// their extractions; a list an extraction is still filling stays.
	PruneMemberLists(ctx context.Context, before time.Time, max int) (int64, error)
	// PruneInbox deletes inbox messages sent before a time (answers not
	// yet sent stay), then conversations whose last message is older and
	// that have no message left.
	PruneInbox(ctx context.Context, before time.Time, max int) (int64, error)
	// PruneActivity deletes account activity recorded before a time.
	PruneActivity(ctx context.Context, before time.Time, max int) (int64, error)
	// PruneWebhookDeliveries deletes delivered and failed webhook
	// deliveries that finished before a time.
	PruneWebhookDeliveries(ctx context.Context, before time.Time, max int) (int64, error)
	// ReturnFreePages gives up to max free pages back to the file system
	// on a SQLite database in incremental auto-vacuum mode, and reports
	// how many it returned; elsewhere it does nothing (PostgreSQL's own
	// autovacuum makes deleted rows' space reusable).
	ReturnFreePages(ctx context.Context, max int) (int64, error)
}

// Compactor rebuilds a SQLite database file ('telegramate vacuum').
type Compactor interface {
	// Vacuum rebuilds a SQLite database into incremental auto-vacuum mode
	// and reports its size before and after, in bytes. It holds the
	// database's write lock for as long as the copy takes and needs free
	// disk space the size of the database. On PostgreSQL it returns
	// ErrNotSQLite.
	Vacuum(ctx context.Context) (before, after int64, err error)
}

// ErrNotSQLite is Vacuum's answer on PostgreSQL.
var ErrNotSQLite = errors.New("not a SQLite database")
