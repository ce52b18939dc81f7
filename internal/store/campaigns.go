package store

import (
	"context"
	"time"
)

// Campaign statuses. Completed and cancelled are final.
const (
	CampaignDraft     = "draft"
	CampaignScheduled = "scheduled"
	CampaignRunning   = "running"
	CampaignPaused    = "paused"
	CampaignCompleted = "completed"
	CampaignCancelled = "cancelled"
)

// Delivery states. A delivery is "sending" from the transaction that
// claims it until Telegram's answer is recorded; one found in that state
// later was interrupted, and is sent again with the same random_id.
const (
	DeliveryPending = "pending"
	DeliverySending = "sending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
	DeliverySkipped = "skipped"
)

// Campaign is a message sent to an audience from some of a user's accounts.
type Campaign struct {
	ID           int64
	UserID       int64
	Name         string
	Message      string
	OptOutFooter bool
	LinkPreview  bool
	Status       string
	Audience     string // JSON of the audience as given, for the record
	// Pacing, per sending account.
	MinIntervalSeconds int
	DailyCap           int
	WindowFrom         string // "09:00", "" for no window
	WindowTo           string
	TimeZone           string
	// RatePerHour caps the whole campaign's sends (0: no cap); NextSlotAt
	// is when its next send may go.
	RatePerHour    int
	NextSlotAt     time.Time
	FailurePercent int // auto-pause threshold over the last outcomes
	PauseReason    string
	Recipients     int
	StartAt        time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	StartedAt      time.Time
	FinishedAt     time.Time
	SenderIDs      []int64
	// Steps are the follow-ups, steps 2 and on (none for a single
	// message).
	Steps []Step
}

// MaxSteps is how many steps a campaign has at most, its first message
// included.
const MaxSteps = 4

// Step is a follow-up: a message sent AfterSeconds after the previous
// step reached a recipient who has not replied.
type Step struct {
	Message      string `json:"message"`
	AfterSeconds int    `json:"after_seconds"`
}

// StepReason is why a follow-up is not sent, a code and a sentence.
type StepReason struct{ Code, Text string }

// StepCounts counts one step's deliveries of a campaign.
type StepCounts struct {
	Step    int
	Sent    int
	Failed  int
	Replied int // replies to this step (the newest message the person had)
	// Cancelled are the step's rows skipped after they were written: the
	// person replied, opted out or was suppressed, or the campaign ended.
	Cancelled int
	Pending   int       // written, waiting for their time (or sending)
	NextDue   time.Time // the earliest pending one's due time
}

// NewCampaign is a campaign with its fixed recipients, written at once.
type NewCampaign struct {
	Campaign
	Deliveries []NewDelivery
}

// NewDelivery is one recipient of a new campaign. State is pending, or
// skipped with a reason (bots, the sending accounts themselves, …).
type NewDelivery struct {
	AccountID  int64 // the sender; 0 when skipped before one was chosen
	TGUserID   int64
	AccessHash int64
	Username   string
	FirstName  string
	LastName   string
	State      string
	ReasonCode string
	Reason     string
	RandomID   int64
}

// Delivery is one recipient's row in a campaign's outbox.
type Delivery struct {
	ID         int64
	CampaignID int64
	UserID     int64
	AccountID  int64
	TGUserID   int64
	AccessHash int64
	Username   string
	FirstName  string
	LastName   string
	State      string
	ReasonCode string
	Reason     string
	RandomID   int64
	MessageID  int
	Attempts   int
	ClaimedAt  time.Time
	SentAt     time.Time
	RepliedAt  time.Time
	ReplyText  string
	UpdatedAt  time.Time
	// Step is which of the campaign's steps this row sends (1: the first
	// message); PrevID is the row of the step before (0 for step 1), and
	// DueAt when a follow-up may go (zero for step 1).
	Step   int
	PrevID int64
	DueAt  time.Time
	// Suppressed is set by NextPendingDelivery: the recipient is on the
	// owner's suppression list.
	Suppressed bool
}

// DeliveryCounts counts a campaign's (or one account's) deliveries.
type DeliveryCounts struct {
	AccountID int64 // 0 for a whole campaign
	Pending   int
	Sending   int
	Sent      int
	Failed    int
	Skipped   int
	Replied   int
}

// SenderShare is one account's part of a campaign's pending deliveries.
type SenderShare struct {
	AccountID int64
	Pending   int
	// Lookups are the pending deliveries whose recipient the account has
	// not seen (no access hash): it resolves their username when it sends.
	Lookups int
}

// ReasonCount is how many deliveries ended in one state for one reason.
type ReasonCount struct {
	State      string
	ReasonCode string
	Reason     string
	Count      int
}

// TimeBucket counts sends and replies in one interval of a campaign.
type TimeBucket struct {
	Start   time.Time
	Sent    int
	Replied int
	// StepSent is Sent by step: StepSent[k-1] the messages of step k.
	StepSent []int
}

// Usage is what one owner holds against the quotas: today a user, a
// workspace once there are workspaces.
type Usage struct {
	Drafts     int   // campaigns not yet started
	Deliveries int64 // recipients of all campaigns
	Members    int64 // members of all member lists
}

// PrunedReason marks a draft ended by the prune, whose rows are being
// deleted.
const PrunedReason = "Deleted: a draft never started"

// PreparingTimeout is how long a campaign may take to be written (its
// deliveries a batch at a time) before the drafts' prune takes it for one
// whose process died and deletes it.
const PreparingTimeout = time.Hour

// AccountRef names an account and its owner.
type AccountRef struct{ UserID, AccountID int64 }

// Pace is an account's sending pace, shared by every campaign it sends for.
type Pace struct {
	AccountID  int64
	LastSendAt time.Time
	NextSendAt time.Time
	Day        string // the day DayCount counts, as the pacing code names it
	DayCount   int
}

// Suppression is a recipient who must not be messaged by a user's campaigns.
type Suppression struct {
	ID        int64
	UserID    int64
	TGUserID  int64  // 0 when known by username only
	Username  string // lower case, no @; "" when known by id only
	Reason    string
	CreatedAt time.Time
}

// UpdatesState is Telegram's updates state of one account.
type UpdatesState struct {
	Pts, Qts, Date, Seq int
}

// Campaigns holds campaigns, their outbox, the accounts' pace and updates
// state, and the suppression lists. Methods taking a userID are
// ErrNotFound for another user's rows.
type Campaigns interface {
	// CreateCampaign writes the campaign, its senders and its deliveries.
	CreateCampaign(ctx context.Context, c NewCampaign) (Campaign, error)
	CampaignByID(ctx context.Context, userID, id int64) (Campaign, error)
	// CampaignForWork reads a campaign whoever owns it (jobs).
	CampaignForWork(ctx context.Context, id int64) (Campaign, error)
	// ListCampaigns lists a user's campaigns, newest first.
	ListCampaigns(ctx context.Context, userID int64) ([]Campaign, error)
	// CampaignsPage is at most limit of a user's campaigns older than
	// beforeID (0: from the newest), newest first.
	CampaignsPage(ctx context.Context, userID, beforeID int64, limit int) ([]Campaign, error)
	// SearchCampaigns is at most limit of a user's campaigns whose name
	// contains text (case as the engine's lower() folds it; "" matches
	// all), newest first: a picker's matches.
	SearchCampaigns(ctx context.Context, userID int64, text string, limit int) ([]Campaign, error)
	// SetCampaignStatus moves a campaign from one of the statuses in from to
	// status; ErrConflict when it is in none of them.
	SetCampaignStatus(ctx context.Context, userID, id int64, from []string, status, reason string, now time.Time) (Campaign, error)
	// CompleteCampaignIfDone marks a running campaign completed when none of
	// its deliveries is pending or sending; it reports whether it did.
	CompleteCampaignIfDone(ctx context.Context, id int64, now time.Time) (bool, error)
	// DueScheduledCampaigns are scheduled campaigns whose start has come.
	DueScheduledCampaigns(ctx context.Context, now time.Time) ([]Campaign, error)
	// SkipOpenDeliveries skips every pending delivery of a campaign.
	SkipOpenDeliveries(ctx context.Context, campaignID int64, reasonCode, reason string, now time.Time) (int64, error)
	CountCampaigns(ctx context.Context, userID int64) (int, error)
	// UsageOf is what a user holds against their quotas.
	UsageOf(ctx context.Context, userID int64) (Usage, error)
	// PruneDraftsBefore ends every draft created before before (cancelled
	// with PrunedReason, so nobody can start it any more) and returns how
	// many; DeletePruned then deletes them a batch at a time. A campaign
	// still preparing PreparingTimeout after it was created goes the same
	// way.
	PruneDraftsBefore(ctx context.Context, before, now time.Time) (int64, error)
	// DeletePruned deletes up to limit deliveries of pruned drafts, and
	// the drafts left without any; it returns how many rows went (0 when
	// nothing is left to delete).
	DeletePruned(ctx context.Context, limit int) (int64, error)

	CampaignCounts(ctx context.Context, campaignID int64) (DeliveryCounts, error)
	CampaignAccountCounts(ctx context.Context, campaignID int64) ([]DeliveryCounts, error)
	CampaignReasons(ctx context.Context, campaignID int64) ([]ReasonCount, error)
	// CampaignShares counts each sending account's pending deliveries of a
	// campaign, and how many of them it must look up by username first.
	CampaignShares(ctx context.Context, campaignID int64) ([]SenderShare, error)
	// CampaignTimeline buckets sends and replies by bucket width.
	CampaignTimeline(ctx context.Context, campaignID int64, width time.Duration) ([]TimeBucket, error)
	// ListDeliveries is a page of a campaign's deliveries after afterID.
	ListDeliveries(ctx context.Context, campaignID, afterID int64, limit int) ([]Delivery, error)
	// FirstUnskippedDelivery is a campaign's first delivery after afterID
	// that is not skipped; ErrNotFound when there is none.
	FirstUnskippedDelivery(ctx context.Context, campaignID, afterID int64) (Delivery, error)
	// ListReplies lists the deliveries that got a reply, newest first.
	ListReplies(ctx context.Context, campaignID int64, limit int) ([]Delivery, error)

	// AccountsWithWork lists the accounts (with their owner) that have
	// pending or sending deliveries in running campaigns, or a send since
	// repliesSince whose replies are still watched.
	AccountsWithWork(ctx context.Context, repliesSince time.Time) ([]AccountRef, error)
	// RunningCampaignsOf lists the running campaigns an account sends for,
	// in the order they started.
	RunningCampaignsOf(ctx context.Context, accountID int64) ([]Campaign, error)
	// LockPace reads an account's pace for update (creating it), so that
	// claims of one account's sends, on any node, take turns.
	LockPace(ctx context.Context, accountID int64, now time.Time) (Pace, error)
	// PaceOf reads an account's pace without locking or creating it (a
	// zero Pace when the account never sent), for pages that say why it
	// waits.
	PaceOf(ctx context.Context, accountID int64) (Pace, error)
	SavePace(ctx context.Context, p Pace, now time.Time) error
	// TakeCampaignSlot moves a rate-capped campaign's next slot.
	TakeCampaignSlot(ctx context.Context, campaignID int64, next time.Time) error
	// NextPendingDelivery is the first pending delivery of a running
	// campaign for an account, with Suppressed filled in; ErrNotFound when
	// there is none.
	NextPendingDelivery(ctx context.Context, campaignID, accountID int64) (Delivery, error)
	// NextDueStep is the follow-up of a running campaign for an account
	// due earliest, if due at or before by, with Suppressed filled in;
	// ErrNotFound when none is.
	NextDueStep(ctx context.Context, campaignID, accountID int64, by time.Time) (Delivery, error)
	// NextStepDue is when the account's earliest pending follow-up of a
	// campaign is due; false when it has none.
	NextStepDue(ctx context.Context, campaignID, accountID int64) (time.Time, bool, error)
	// AddNextStep writes the follow-up of sent row prev (step prev.Step+1,
	// due at dueAt, with its own randomID), unless it has one already or
	// is no longer sent; it reports whether it wrote it. When the person
	// replied to prev or is on the suppression list, the row is written
	// skipped with the reason: optedOut when both, replied or suppressed.
	AddNextStep(ctx context.Context, prev Delivery, randomID int64, dueAt, now time.Time, replied, optedOut, suppressed StepReason) (bool, error)
	// CancelStepsTo skips the pending follow-ups an account has for a
	// person, in every campaign, with the reason; it returns how many.
	CancelStepsTo(ctx context.Context, accountID, tgUserID int64, reasonCode, reason string, now time.Time) (int64, error)
	// CancelStepsOf skips a user's pending follow-ups to a person named by
	// id or (when the row knows no id) username, from any account.
	CancelStepsOf(ctx context.Context, userID, tgUserID int64, username, reasonCode, reason string, now time.Time) (int64, error)
	// CampaignStepCounts counts each step's deliveries, step 1 first.
	CampaignStepCounts(ctx context.Context, campaignID int64) ([]StepCounts, error)
	// ClaimDelivery marks a pending delivery sending; ErrConflict when it
	// is no longer pending, ErrFenced when f is no longer the account's
	// lease (f is Unfenced for a write under none).
	ClaimDelivery(ctx context.Context, f Fence, id int64, now time.Time) error
	// RetryDelivery counts one more attempt at a delivery left mid-send.
	RetryDelivery(ctx context.Context, id int64, now time.Time) error
	// SendingDeliveries lists an account's deliveries left mid-send.
	SendingDeliveries(ctx context.Context, accountID int64) ([]Delivery, error)
	// SetDeliveryPeer stores who a username resolved to.
	SetDeliveryPeer(ctx context.Context, id, tgUserID, accessHash int64, firstName, lastName string, now time.Time) error
	// FinishDelivery records a sending delivery's end: sent (messageID),
	// failed or skipped (with the reason); fenced as ClaimDelivery.
	FinishDelivery(ctx context.Context, f Fence, id int64, state, reasonCode, reason string, messageID int, now time.Time) error
	// ReleaseDelivery puts a sending delivery back to pending (the account
	// must wait; nothing reached the recipient); fenced as ClaimDelivery.
	ReleaseDelivery(ctx context.Context, f Fence, id int64, reasonCode, reason string, now time.Time) error
	// RecentOutcomes counts the failures among a campaign's last n sent or
	// failed deliveries.
	RecentOutcomes(ctx context.Context, campaignID int64, n int) (failed, total int, err error)
	// MarkReplied records a reply from tgUserID to the newest delivery the
	// account sent them (or is sending them: a reply can come before the
	// answer is recorded) without a reply yet; ErrNotFound when there is
	// none.
	MarkReplied(ctx context.Context, accountID, tgUserID int64, text string, at time.Time) (Delivery, error)

	UpdatesStateOf(ctx context.Context, accountID int64) (UpdatesState, bool, error)
	SetUpdatesState(ctx context.Context, accountID int64, st UpdatesState, now time.Time) error

	// AddSuppression adds a recipient to a user's list; one already there
	// is kept as it was (ErrConflict is not returned).
	AddSuppression(ctx context.Context, s Suppression) (Suppression, bool, error)
	// AddSuppressions adds many, at most WriteBatch rows and WriteBatchTime
	// to a transaction, so that other writers get their turn between
	// batches (SQLite has one writer at a time); it returns how many were new and how many were already
	// listed. An error leaves the batches before it committed.
	AddSuppressions(ctx context.Context, list []Suppression) (added, already int, err error)
	ListSuppressions(ctx context.Context, userID int64) ([]Suppression, error)
	// SuppressionsPage is up to limit entries older than beforeID (0: from
	// the newest), newest first.
	SuppressionsPage(ctx context.Context, userID, beforeID int64, limit int) ([]Suppression, error)
	// ForEachSuppression streams the user's list, newest first.
	ForEachSuppression(ctx context.Context, userID int64, fn func(Suppression) error) error
	// DeleteSuppression removes a recipient by Telegram id, or by username
	// when tgUserID is 0; ErrNotFound when not listed.
	DeleteSuppression(ctx context.Context, userID, tgUserID int64, username string) error
	IsSuppressed(ctx context.Context, userID, tgUserID int64, username string) (bool, error)
	CountSuppressions(ctx context.Context, userID int64) (int, error)
}

// WriteBatch and WriteBatchTime bound one transaction of a bulk write: a
// write queued behind an import of 100,000 rows waits for one batch, not
// the import, however slow the disk; and a batch still spreads one fsync
// over many rows.
const (
	WriteBatch     = 500
	WriteBatchTime = 50 * time.Millisecond
)
