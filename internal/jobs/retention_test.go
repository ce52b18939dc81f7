package jobs_test

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestRetentionPrunesInBatchesAndGivesSpaceBack: the retention run
// deletes every activity row past its retention, more than one batch of
// them, and keeps the recent ones and the kinds without a retention
// (inbox messages); on SQLite the pages they held go back to the file
// system, so the file shrinks. On both engines.
func TestRetentionPrunesInBatchesAndGivesSpaceBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
		old := now.Add(-40 * 24 * time.Hour)
		u, err := s.CreateUser(ctx, store.NewUser{Email: "r@example.com", PasswordHash: "x", Now: old})
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.CreateAccount(ctx, u.ID, store.AccountLogin{APIID: 1, APIHashSealed: []byte("x"), Phone: "9996620001",
			TGUserID: 4601, SessionSealed: []byte("x"), Now: old})
		if err != nil {
			t.Fatal(err)
		}
		c, _, err := s.UpsertConversation(ctx, store.ConversationPeer{UserID: u.ID, AccountID: a.ID, TGUserID: 77, Now: old})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.AddInboxMessage(ctx, store.InboxMessage{ConversationID: c.ID, UserID: u.ID, AccountID: a.ID, TGMessageID: 1,
			Direction: store.DirectionIn, Origin: store.OriginPerson, Text: "old", SentAt: old, CreatedAt: old}); err != nil {
			t.Fatal(err)
		}
		const oldRows = 2*jobs.RetentionBatch + 10
		detail := strings.Repeat("x", 2000) // rows that fill pages
		err = s.InTx(ctx, func(tx store.Tx) error {
			for i := range oldRows + 5 {
				at := old
				if i >= oldRows {
					at = now.Add(-time.Hour)
				}
				if _, err := tx.AddActivity(ctx, store.Activity{AccountID: a.ID, UserID: u.ID, Event: "connected", Detail: detail, CreatedAt: at}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		size := func() int64 {
			if s.Dialect() != "sqlite" {
				return 0
			}
			// The WAL's pages go into the file first.
			if _, err := s.DB().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				t.Fatal(err)
			}
			var seq int
			var name, file string
			if err := s.DB().QueryRowContext(ctx, "PRAGMA database_list").Scan(&seq, &name, &file); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(file)
			if err != nil {
				t.Fatal(err)
			}
			return fi.Size()
		}
		before := size()
		p, err := jobs.Prune(ctx, s, jobs.Retention{Activity: 30 * 24 * time.Hour}, now, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		if p.Activity != oldRows || p.Inbox != 0 || p.FinishedCampaigns != 0 || p.MemberLists != 0 {
			t.Errorf("pruned %+v, want %d activity rows and nothing else", p, oldRows)
		}
		if left, err := s.ListActivity(ctx, u.ID, a.ID, 100); err != nil || len(left) != 5 {
			t.Errorf("%d activity rows left (%v), want the 5 recent ones", len(left), err)
		}
		if ms, err := s.ListInboxMessages(ctx, c.ID, store.InboxMessageCursor{}, 10); err != nil || len(ms) != 1 {
			t.Errorf("inbox without a retention lost messages: %d %v", len(ms), err)
		}
		if s.Dialect() == "sqlite" {
			after := size()
			if p.FreePages == 0 || after >= before {
				t.Errorf("SQLite gave back %d pages; the file went from %d to %d bytes", p.FreePages, before, after)
			}
			t.Logf("SQLite file %d → %d bytes, %d pages returned", before, after, p.FreePages)
		}
	})
}
