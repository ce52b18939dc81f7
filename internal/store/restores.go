package store

import (
	"context"
	"time"
)

// Restores is what backups and a restored database need.
type Restores interface {
	// MarkBackup records in this database, which is a backup's copy, when
	// the backup was taken.
	MarkBackup(ctx context.Context, takenAt time.Time) error
	// BackupTakenAt is the mark MarkBackup left, zero when there is none.
	BackupTakenAt(ctx context.Context) (time.Time, error)
	// HandleRestore, on a database restored from a backup and not yet
	// started, pauses the campaigns that were running (and the scheduled
	// ones due) with the reason given for the backup's time, remembers the backup's time on them, and
	// marks the restore handled. Restore is zero on any other database.
	HandleRestore(ctx context.Context, reason func(backupAt time.Time) string, now time.Time) (Restore, error)
	// RestoredCampaign is the restore a campaign was paused by; zero when
	// none is waiting for its resume.
	RestoredCampaign(ctx context.Context, campaignID int64) (Restore, error)
	// RecheckRestored prepares a restored campaign's resume: for each
	// sending account, its first perAccount pending deliveries with a known
	// peer, and every one left mid-send, become 'sending' claimed at
	// claimedAt (the sender looks those up in the dialog before sending
	// again); its first pending ones without a peer are skipped with
	// reasonCode and reason, since they cannot be looked up. The campaign
	// stops being restored. It returns how many were set to be checked and
	// how many skipped.
	RecheckRestored(ctx context.Context, campaignID int64, perAccount int, claimedAt time.Time, reasonCode, reason string, now time.Time) (checked, skipped int, err error)
}

// Restore is a restore from a backup.
type Restore struct {
	BackupAt   time.Time // when the backup was taken
	RestoredAt time.Time // when a node first started on it
	Paused     []int64   // HandleRestore: the campaigns it paused
}
