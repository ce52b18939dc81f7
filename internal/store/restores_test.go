package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestRestoreMarks: a database marked as a backup pauses its running
// campaigns once, at its first handling; until resumed, a reply to one of
// their pending deliveries is linked to it; the resume's preparation puts
// the first deliveries with a peer up for the dialog check and skips those
// without one; a database never marked is left alone.
func TestRestoreMarks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@example.com")
		acct, err := s.CreateAccount(ctx, ann.ID, login(1, "9996620001"))
		if err != nil {
			t.Fatal(err)
		}
		c := newCampaign(t, s, ann.ID, acct.ID)
		if _, err := s.SetCampaignStatus(ctx, ann.ID, c.ID, []string{store.CampaignDraft}, store.CampaignRunning, "", t0); err != nil {
			t.Fatal(err)
		}
		notice := func(at time.Time) string { return "restored from " + at.Format(time.RFC3339) }
		if r, err := s.HandleRestore(ctx, notice, t0); err != nil || !r.BackupAt.IsZero() {
			t.Fatalf("an unmarked database: %+v, %v", r, err)
		}
		backupAt := t0.Add(-time.Hour).Truncate(time.Microsecond)
		if err := s.MarkBackup(ctx, backupAt); err != nil {
			t.Fatal(err)
		}
		r, err := s.HandleRestore(ctx, notice, t0)
		if err != nil || !r.BackupAt.Equal(backupAt) || len(r.Paused) != 1 || r.Paused[0] != c.ID {
			t.Fatalf("HandleRestore = %+v, %v; want the backup's time and the campaign paused", r, err)
		}
		got, err := s.CampaignByID(ctx, ann.ID, c.ID)
		if err != nil || got.Status != store.CampaignPaused || got.PauseReason != notice(backupAt) {
			t.Fatalf("campaign after the restore: %q %q, %v", got.Status, got.PauseReason, err)
		}
		if r, err := s.HandleRestore(ctx, notice, t0); err != nil || !r.BackupAt.IsZero() {
			t.Fatalf("a second start handled the restore again: %+v, %v", r, err)
		}
		// A reply read again from Telegram finds its pending delivery.
		d, err := s.MarkReplied(ctx, acct.ID, 11, "thanks", t0)
		if err != nil || d.TGUserID != 11 {
			t.Fatalf("a reply to a restored pending delivery: %+v, %v", d, err)
		}
		// The first three of the account: Ann and bo (peers known) to be
		// looked for in their dialogs, cara (a username only) skipped.
		checked, skipped, err := s.RecheckRestored(ctx, c.ID, 3, backupAt, "restore_unsure", "unsure", t0)
		if err != nil || checked != 2 || skipped != 1 {
			t.Fatalf("RecheckRestored = %d checked, %d skipped, %v; want 2 and 1", checked, skipped, err)
		}
		sending, err := s.SendingDeliveries(ctx, acct.ID)
		if err != nil || len(sending) != 2 || !sending[0].ClaimedAt.Equal(backupAt) {
			t.Fatalf("sending after the preparation: %+v, %v", sending, err)
		}
		if r, err := s.RestoredCampaign(ctx, c.ID); err != nil || !r.BackupAt.IsZero() {
			t.Fatalf("the campaign is still marked restored after its resume: %+v, %v", r, err)
		}
	})
}

// TestEachSealedHeaderGivesKeyIDs: the cheap walk a serving node repeats
// reads enough of every sealed value for its key id, on both engines.
func TestEachSealedHeaderGivesKeyIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@example.com")
		id := strings.Repeat("k", 64) // the longest id
		kr, err := secrets.NewKeyring(secrets.Key{ID: id, Secret: make([]byte, secrets.KeySize)})
		if err != nil {
			t.Fatal(err)
		}
		sealed, err := kr.Seal([]byte(strings.Repeat("session ", 100)), []byte("webhook"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateWebhookEndpoint(ctx, store.NewWebhookEndpoint{UserID: ann.ID, URL: "https://h.example.com", SecretSealed: sealed,
			Events: []string{"delivery.sent"}, Now: t0}); err != nil {
			t.Fatal(err)
		}
		var ids []string
		if err := s.EachSealedHeader(ctx, func(h []byte) error {
			got, err := secrets.HeaderKeyID(h)
			ids = append(ids, got)
			if len(h) >= len(sealed) {
				t.Errorf("the header walk read the whole value (%d bytes)", len(h))
			}
			return err
		}); err != nil || len(ids) != 1 || ids[0] != id {
			t.Fatalf("EachSealedHeader: ids %q, %v", ids, err)
		}
	})
}
