package campaign

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/telegramate/telegramate/internal/store"
)

// reasonRestoreUnsure skips a delivery that the node the backup came from
// may have sent after the backup, to someone only known by username: the
// dialog cannot be searched without resolving them, and sending again
// could make it twice.
var reasonRestoreUnsure = reason{"restore_unsure", "May have been sent after the backup this database was restored from; not sent again"}

// HandleRestore runs once at start: on a database restored from a backup,
// the campaigns that were running are paused with a notice, so nothing
// goes out before a person has looked; resuming one first looks for the
// sends made after the backup in each dialog (Resume).
func (s *Service) HandleRestore(ctx context.Context) error {
	r, err := s.st.HandleRestore(ctx, restoreNotice, s.now())
	if err != nil {
		return fmt.Errorf("restored database: %w", err)
	}
	if r.BackupAt.IsZero() {
		return nil
	}
	s.log.Warn("this database was restored from a backup: running campaigns are paused until someone resumes them",
		slog.Time("backup_taken_at", r.BackupAt), slog.Any("paused_campaigns", r.Paused))
	return nil
}

func restoreNotice(backupAt time.Time) string {
	return "Paused because this database was restored from a backup taken " + backupAt.UTC().Format("2006-01-02 15:04 MST") +
		". When you resume, messages the old installation may have sent after the backup are first looked for in each conversation, so none is sent twice."
}

// recheckRestored prepares the resume of a campaign a restore paused: the
// pending deliveries its accounts may have sent between the backup and the
// restore, and those left mid-send, go through the sender's check for
// interrupted sends (looked for in the dialog before sending again). How
// many per account follows from the pacing: no account could send more
// than the time between backup and restore allows.
func (s *Service) recheckRestored(ctx context.Context, tx store.Tx, c store.Campaign) error {
	r, err := tx.RestoredCampaign(ctx, c.ID)
	if err != nil || r.BackupAt.IsZero() {
		return err
	}
	now := s.now()
	perAccount := sendsWithin(r.RestoredAt.Sub(r.BackupAt)+time.Minute, c)
	// The sender searches the dialog only for sends claimed longer than
	// recheckAfter ago, from a minute before the claim: claimed at the
	// backup's time (or earlier, for a resume soon after it), every send
	// since the backup is found.
	claimedAt := r.BackupAt
	if early := now.Add(-recheckAfter - time.Minute); early.Before(claimedAt) {
		claimedAt = early
	}
	checked, skipped, err := tx.RecheckRestored(ctx, c.ID, perAccount, claimedAt, reasonRestoreUnsure.code, reasonRestoreUnsure.text, now)
	if err != nil {
		return fmt.Errorf("prepare restored campaign %d: %w", c.ID, err)
	}
	s.log.Info("resuming a campaign paused by a restore: sends since the backup are looked for in the dialogs first",
		slog.Int64("campaign", c.ID), slog.Int("to_check", checked), slog.Int("skipped_unsure", skipped))
	return nil
}

// sendsWithin bounds how many messages one account of c can have sent in
// d: by its interval, its daily cap and the campaign's hourly rate.
func sendsWithin(d time.Duration, c store.Campaign) int {
	n := math.MaxInt32
	if c.MinIntervalSeconds > 0 {
		n = int(d/(time.Duration(c.MinIntervalSeconds)*time.Second)) + 1
	}
	if c.DailyCap > 0 {
		n = min(n, c.DailyCap*(int(d/(24*time.Hour))+2))
	}
	if c.RatePerHour > 0 {
		n = min(n, c.RatePerHour*(int(d/time.Hour)+1)+1)
	}
	return n
}
