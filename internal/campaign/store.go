package campaign

import (
	"context"
	"time"

	"github.com/telegramate/telegramate/internal/store"
)

// Store is the part of the store campaigns use outside a transaction (inside
// one, store.Tx stays whole), so that what this package reads and writes
// shows at a glance, and a fake needs only this.
type Store interface {
	// from store.Campaigns
	AccountsWithWork(ctx context.Context, repliesSince time.Time) ([]store.AccountRef, error)
	AddSuppressions(ctx context.Context, list []store.Suppression) (added, already int, err error)
	CampaignAccountCounts(ctx context.Context, campaignID int64) ([]store.DeliveryCounts, error)
	CampaignByID(ctx context.Context, userID, id int64) (store.Campaign, error)
	CampaignCounts(ctx context.Context, campaignID int64) (store.DeliveryCounts, error)
	CampaignForWork(ctx context.Context, id int64) (store.Campaign, error)
	CampaignReasons(ctx context.Context, campaignID int64) ([]store.ReasonCount, error)
	CampaignShares(ctx context.Context, campaignID int64) ([]store.SenderShare, error)
	CampaignStepCounts(ctx context.Context, campaignID int64) ([]store.StepCounts, error)
	CampaignTimeline(ctx context.Context, campaignID int64, width time.Duration) ([]store.TimeBucket, error)
	CampaignsPage(ctx context.Context, userID, beforeID int64, limit int) ([]store.Campaign, error)
	CountCampaigns(ctx context.Context, userID int64) (int, error)
	CountSuppressions(ctx context.Context, userID int64) (int, error)
	CreateCampaign(ctx context.Context, c store.NewCampaign) (store.Campaign, error)
	DeletePruned(ctx context.Context, limit int) (int64, error)
	DeleteSuppression(ctx context.Context, userID, tgUserID int64, username string) error
	DueScheduledCampaigns(ctx context.Context, now time.Time) ([]store.Campaign, error)
	FinishDelivery(ctx context.Context, f store.Fence, id int64, state, reasonCode, reason string, messageID int, now time.Time) error
	FirstUnskippedDelivery(ctx context.Context, campaignID, afterID int64) (store.Delivery, error)
	ForEachSuppression(ctx context.Context, userID int64, fn func(store.Suppression) error) error
	IsSuppressed(ctx context.Context, userID, tgUserID int64, username string) (bool, error)
	ListCampaigns(ctx context.Context, userID int64) ([]store.Campaign, error)
	ListDeliveries(ctx context.Context, campaignID, afterID int64, limit int) ([]store.Delivery, error)
	ListReplies(ctx context.Context, campaignID int64, limit int) ([]store.Delivery, error)
	ListSuppressions(ctx context.Context, userID int64) ([]store.Suppression, error)
	NextPendingDelivery(ctx context.Context, campaignID, accountID int64) (store.Delivery, error)
	NextStepDue(ctx context.Context, campaignID, accountID int64) (time.Time, bool, error)
	PaceOf(ctx context.Context, accountID int64) (store.Pace, error)
	PruneDraftsBefore(ctx context.Context, before, now time.Time) (int64, error)
	RecentOutcomes(ctx context.Context, campaignID int64, n int) (failed, total int, err error)
	ReleaseDelivery(ctx context.Context, f store.Fence, id int64, reasonCode, reason string, now time.Time) error
	RetryDelivery(ctx context.Context, id int64, now time.Time) error
	SearchCampaigns(ctx context.Context, userID int64, text string, limit int) ([]store.Campaign, error)
	SendingDeliveries(ctx context.Context, accountID int64) ([]store.Delivery, error)
	SetCampaignStatus(ctx context.Context, userID, id int64, from []string, status, reason string, now time.Time) (store.Campaign, error)
	SkipOpenDeliveries(ctx context.Context, campaignID int64, reasonCode, reason string, now time.Time) (int64, error)
	SuppressionsPage(ctx context.Context, userID, beforeID int64, limit int) ([]store.Suppression, error)
	UpdatesStateOf(ctx context.Context, accountID int64) (store.UpdatesState, bool, error)
	UsageOf(ctx context.Context, userID int64) (store.Usage, error)

	// from store.CampaignMedia
	SetCampaignMedia(ctx context.Context, campaignID int64, step int, fileID int64) error
	CampaignMedia(ctx context.Context, campaignID int64) (map[int]int64, error)

	// from store.Accounts
	AddActivity(ctx context.Context, a store.Activity) (store.Activity, error)

	// from store.Audit
	AddAuditEvent(ctx context.Context, e store.AuditEvent) (store.AuditEvent, error)

	// from store.Extractions
	ExtractionByID(ctx context.Context, userID, id int64) (store.Extraction, error)
	MemberListByID(ctx context.Context, userID, id int64) (store.MemberList, error)
	PeerAccessHash(ctx context.Context, accountID, tgUserID int64) (int64, error)
	ScanMembers(ctx context.Context, listID int64, f store.MemberFilter, fn func(store.Member) error) error

	// from store.Restores
	HandleRestore(ctx context.Context, reason func(backupAt time.Time) string, now time.Time) (store.Restore, error)

	// from store.Users
	UserByID(ctx context.Context, id int64) (store.User, error)

	// of the store itself
	InTx(ctx context.Context, fn func(tx store.Tx) error) error
}
