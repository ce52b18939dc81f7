package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

// Each Prune deletes the rows of its kind first and then, once they are
// gone, the rows that held them, so a batch never cascades into more
// rows than max.

func (q queries) PruneFinishedCampaigns(ctx context.Context, before time.Time, max int) (int64, error) {
	n, err := q.q.PruneFinishedCampaignDeliveries(ctx, gen.PruneFinishedCampaignDeliveriesParams{Before: nullTime(before), MaxRows: int64(max)})
	if err != nil || n >= int64(max) {
		return n, mapErr(q.d, err)
	}
	// A file goes with the last campaign that attaches it, in the same
	// transaction, so no file outlives its use and none is taken from a
	// campaign that still has it.
	var c int64
	err = q.inTx(ctx, func(q queries) error {
		files, err := q.q.FilesOfFinishedCampaigns(ctx, nullTime(before))
		if err != nil {
			return mapErr(q.d, err)
		}
		if c, err = q.q.PruneFinishedCampaigns(ctx, gen.PruneFinishedCampaignsParams{Before: nullTime(before), MaxRows: int64(max) - n}); err != nil {
			return mapErr(q.d, err)
		}
		return q.deleteFilesIfUnused(ctx, files)
	})
	return n + c, err
}

func (q queries) PruneMemberLists(ctx context.Context, before time.Time, max int) (int64, error) {
	n, err := q.q.PruneListMembers(ctx, gen.PruneListMembersParams{Before: before, MaxRows: int64(max)})
	if err != nil || n >= int64(max) {
		return n, mapErr(q.d, err)
	}
	l, err := q.q.PruneMemberLists(ctx, gen.PruneMemberListsParams{Before: before, MaxRows: int64(max) - n})
	return n + l, mapErr(q.d, err)
}

func (q queries) PruneInbox(ctx context.Context, before time.Time, max int) (int64, error) {
	n, err := q.q.PruneInboxMessages(ctx, gen.PruneInboxMessagesParams{Before: before, MaxRows: int64(max)})
	if err != nil || n >= int64(max) {
		return n, mapErr(q.d, err)
	}
	c, err := q.q.PruneConversations(ctx, gen.PruneConversationsParams{Before: before, MaxRows: int64(max) - n})
	return n + c, mapErr(q.d, err)
}

func (q queries) PruneActivity(ctx context.Context, before time.Time, max int) (int64, error) {
	n, err := q.q.PruneAccountActivity(ctx, gen.PruneAccountActivityParams{Before: before, MaxRows: int64(max)})
	return n, mapErr(q.d, err)
}

func (q queries) PruneWebhookDeliveries(ctx context.Context, before time.Time, max int) (int64, error) {
	n, err := q.q.PruneWebhookDeliveries(ctx, gen.PruneWebhookDeliveriesParams{Before: nullTime(before), MaxRows: int64(max)})
	return n, mapErr(q.d, err)
}

func (q queries) ReturnFreePages(ctx context.Context, max int) (int64, error) {
	if q.d.Name != "sqlite" {
		return 0, nil
	}
	var mode, before, after int64
	if err := q.queryRow(ctx, "PRAGMA auto_vacuum").Scan(&mode); err != nil {
		return 0, fmt.Errorf("auto_vacuum: %w", mapErr(q.d, err))
	}
	const incremental = 2
	if mode != incremental {
		return 0, nil
	}
	if err := q.queryRow(ctx, "PRAGMA freelist_count").Scan(&before); err != nil {
		return 0, fmt.Errorf("freelist_count: %w", mapErr(q.d, err))
	}
	if before == 0 {
		return 0, nil
	}
	// A write: it goes through the writer queue like any other, and
	// returns at most max pages per call.
	if _, err := q.exec(ctx, fmt.Sprintf("PRAGMA incremental_vacuum(%d)", max)); err != nil {
		return 0, fmt.Errorf("incremental_vacuum: %w", err)
	}
	if err := q.queryRow(ctx, "PRAGMA freelist_count").Scan(&after); err != nil {
		return 0, fmt.Errorf("freelist_count: %w", mapErr(q.d, err))
	}
	return before - after, nil
}

func (q queries) Vacuum(ctx context.Context) (before, after int64, err error) {
	if q.d.Name != "sqlite" {
		return 0, 0, store.ErrNotSQLite
	}
	size := func() (int64, error) {
		var pages, pageSize int64
		if err := q.queryRow(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
			return 0, mapErr(q.d, err)
		}
		if err := q.queryRow(ctx, "PRAGMA page_size").Scan(&pageSize); err != nil {
			return 0, mapErr(q.d, err)
		}
		return pages * pageSize, nil
	}
	if before, err = size(); err != nil {
		return 0, 0, err
	}
	if err := SetIncrementalVacuum(ctx, q.db); err != nil {
		return before, 0, err
	}
	after, err = size()
	return before, after, err
}

// SetIncrementalVacuum switches a SQLite database to incremental
// auto-vacuum: the mode and the VACUUM that applies it on one connection
// (on a new, empty database the VACUUM is instant).
func SetIncrementalVacuum(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	defer conn.Close()
	for _, q := range []string{"PRAGMA auto_vacuum = INCREMENTAL", "VACUUM"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}
