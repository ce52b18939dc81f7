package store

import (
	"context"
	"strings"
	"time"
)

// Chat kinds, as Telegram has them.
const (
	ChatGroup      = "group"      // basic group: members from messages.getFullChat
	ChatSupergroup = "supergroup" // channels.getParticipants
	ChatChannel    = "channel"    // broadcast: only admins may list subscribers
)

// Extraction statuses. Completed, failed and cancelled are final.
const (
	ExtractionQueued    = "queued"
	ExtractionRunning   = "running"
	ExtractionWaiting   = "waiting" // snoozed for a FLOOD_WAIT until WaitUntil
	ExtractionCompleted = "completed"
	ExtractionFailed    = "failed"
	ExtractionCancelled = "cancelled"
)

// Member list sources.
const (
	ListFromExtraction = "extraction"
	ListFromMerge      = "merge"
)

// Last-seen buckets, as Telegram reports them to other users.
const (
	SeenOnline    = "online"
	SeenRecently  = "recently"
	SeenLastWeek  = "last_week"
	SeenLastMonth = "last_month"
	SeenLongAgo   = "long_ago" // Telegram gave an exact time (LastSeenAt)
	SeenHidden    = "hidden"
)

// Member roles.
const (
	RoleMember  = "member"
	RoleAdmin   = "admin"
	RoleCreator = "creator"
)

// Chat is a group, supergroup or channel one account can see, as its last
// refresh found it.
type Chat struct {
	ID            int64
	AccountID     int64
	TGChatID      int64 // Telegram's chat or channel id
	AccessHash    int64 // per account; 0 for basic groups
	Kind          string
	Title         string
	Username      string
	MembersCount  int
	IsAdmin       bool
	IsCreator     bool
	MembersHidden bool
	RefreshedAt   time.Time
}

// MemberList is a list of members: an extraction's result or a merge.
type MemberList struct {
	ID          int64
	UserID      int64
	Name        string
	Source      string
	MemberCount int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Extraction is one run of listing a chat's members into a member list,
// with its checkpoint (Phase, PhaseOffset, Fetched).
type Extraction struct {
	ID             int64
	UserID         int64
	AccountID      int64
	ListID         int64
	ChatTGID       int64
	ChatAccessHash int64
	ChatKind       string
	ChatTitle      string
	ChatUsername   string
	Search         string
	Status         string
	Phase          string
	PhaseOffset    int
	Fetched        int
	Total          int
	Partial        bool
	Cap            int // where Telegram's cap stopped the list; 0 when it did not
	MembersHidden  bool
	Notice         string
	ErrorCode      string
	ErrorMessage   string
	ErrorHint      string
	WaitUntil      time.Time // zero unless waiting
	RunToken       string
	RunStartedAt   time.Time
	// RunStartFetched is Fetched when the current run started (for its rate).
	RunStartFetched int
	JobID           int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
	FinishedAt      time.Time
}

// Final reports whether the extraction will not change any more.
func (e Extraction) Final() bool {
	switch e.Status {
	case ExtractionCompleted, ExtractionFailed, ExtractionCancelled:
		return true
	}
	return false
}

// NewExtraction is what starting an extraction records. The member list is
// created with it.
type NewExtraction struct {
	UserID    int64
	AccountID int64
	Chat      Chat // TGChatID, AccessHash, Kind, Title, Username are used
	Search    string
	ListName  string
	Now       time.Time
}

// Checkpoint is the state saved with each page of members.
type Checkpoint struct {
	ExtractionID  int64
	RunToken      string
	Phase         string
	PhaseOffset   int
	Total         int
	Partial       bool
	Cap           int
	MembersHidden bool
	Notice        string
	Now           time.Time
}

// Member is one Telegram user in a member list.
type Member struct {
	ID         int64 // row id: the list's order of discovery
	ListID     int64
	AccountID  int64 // the account that saw the user (access hashes are per account)
	TGUserID   int64
	AccessHash int64
	Username   string
	Usernames  []string // other active usernames
	FirstName  string
	LastName   string
	Phone      string
	Bot        bool
	Deleted    bool
	Premium    bool
	Verified   bool
	Scam       bool
	Fake       bool
	LastSeen   string    // Seen*
	LastSeenAt time.Time // exact, when Telegram gave it
	// SeenRank estimates when the user was last seen, in Unix seconds,
	// from the bucket when Telegram gives no exact time; it sorts and
	// filters by last seen. The extract package computes it.
	SeenRank  int64
	Role      string
	JoinedAt  time.Time // zero when Telegram did not say
	FetchedAt time.Time
}

// Member list sort orders.
const (
	SortPosition = "position" // order of discovery
	SortName     = "name"
	SortUsername = "username"
	SortLastSeen = "last_seen"
)

// MemberFilter narrows and orders a member list. The zero value is every
// member in order of discovery.
type MemberFilter struct {
	ExcludeBots    bool
	ExcludeDeleted bool
	HasUsername    bool
	AdminsOnly     bool
	PremiumOnly    bool
	// SeenSince keeps members whose SeenRank is at or after it.
	SeenSince time.Time
	// Search keeps members whose name, username or phone contains it,
	// ignoring case.
	Search string
	Sort   string // Sort*; "" is SortPosition
	Desc   bool
}

// MemberCursor is where a keyset page starts: after the member with this
// sort key and row id. The zero value starts at the beginning.
type MemberCursor struct {
	Key any // the sort column's value of the last member seen (string or int64)
	ID  int64
}

// Extractions holds account chats, extractions, member lists and members.
// Methods taking a userID are ErrNotFound for another user's rows.
type Extractions interface {
	// ReplaceAccountChats stores what a refresh found and forgets the
	// account's chats it did not find.
	ReplaceAccountChats(ctx context.Context, accountID int64, chats []Chat, now time.Time) error
	// ListAccountChats lists an account's chats, largest first.
	ListAccountChats(ctx context.Context, userID, accountID int64) ([]Chat, error)
	AccountChatByTGID(ctx context.Context, userID, accountID, tgChatID int64) (Chat, error)

	// CreateExtraction inserts a queued extraction and its empty member
	// list. Run it in InTx with the job's insert.
	CreateExtraction(ctx context.Context, n NewExtraction) (Extraction, error)
	SetExtractionJob(ctx context.Context, id, jobID int64) error
	ExtractionByID(ctx context.Context, userID, id int64) (Extraction, error)
	ExtractionByListID(ctx context.Context, userID, listID int64) (Extraction, error)
	// ExtractionForWork reads an extraction whoever owns it (the job).
	ExtractionForWork(ctx context.Context, id int64) (Extraction, error)
	// ListExtractions lists a user's extractions, newest first.
	ListExtractions(ctx context.Context, userID int64, limit int) ([]Extraction, error)
	// StartExtractionRun makes runToken the run allowed to write the
	// extraction and marks it running. ErrNotFound when it is final.
	StartExtractionRun(ctx context.Context, id int64, runToken string, now time.Time) (Extraction, error)
	// SaveMembersPage adds members to the extraction's list (skipping
	// users already in it) and saves the checkpoint, in one transaction.
	// It returns the new Fetched. ErrConflict when the run lost the
	// extraction (cancelled, or taken over by another run): nothing is
	// written then.
	SaveMembersPage(ctx context.Context, cp Checkpoint, members []Member) (int, error)
	// SetExtractionWaiting marks the run waiting for Telegram until until.
	// ErrConflict when the run lost the extraction.
	SetExtractionWaiting(ctx context.Context, id int64, runToken string, until, now time.Time) error
	// FinishExtraction ends the run with a final status and, when failed,
	// what the user reads. ErrConflict when the run lost the extraction.
	FinishExtraction(ctx context.Context, id int64, runToken, status, code, message, hint string, now time.Time) error
	// CancelExtraction cancels an extraction that is not final;
	// ErrConflict when it is.
	CancelExtraction(ctx context.Context, userID, id int64, now time.Time) (Extraction, error)

	ListMemberLists(ctx context.Context, userID int64) ([]MemberList, error)
	// MemberListsPage is at most limit of a user's lists older than
	// beforeID (0: from the newest), newest first.
	MemberListsPage(ctx context.Context, userID, beforeID int64, limit int) ([]MemberList, error)
	// SearchMemberLists is at most limit of a user's lists whose name
	// contains text (case as the engine's lower() folds it; "" matches
	// all), newest first: a picker's matches.
	SearchMemberLists(ctx context.Context, userID int64, text string, limit int) ([]MemberList, error)
	// MemberListCounts counts a user's lists, and those ready to send to
	// (merged, or filled by a finished extraction).
	MemberListCounts(ctx context.Context, userID int64) (lists, ready int, err error)
	MemberListByID(ctx context.Context, userID, id int64) (MemberList, error)
	RenameMemberList(ctx context.Context, userID, id int64, name string, now time.Time) error
	DeleteMemberList(ctx context.Context, userID, id int64) error
	// MergeMemberLists makes a new list of every user in the given lists,
	// each once (the first list to bring a user wins).
	MergeMemberLists(ctx context.Context, userID int64, name string, listIDs []int64, now time.Time) (MemberList, error)
	// CountMembers counts the members of a list that pass the filter (its
	// sort is ignored). The caller checks the list is the user's.
	CountMembers(ctx context.Context, listID int64, f MemberFilter) (int, error)
	// ListMembers is a keyset page of a list in the filter's order: at
	// most limit members after the cursor.
	ListMembers(ctx context.Context, listID int64, f MemberFilter, after MemberCursor, limit int) ([]Member, error)
	// ScanMembers calls fn with every member of a list that passes the
	// filter, in its order, through one cursor: memory does not grow with
	// the list, and the list is sorted once (keyset pages would sort it
	// again for every page). fn's error stops the scan and is returned.
	ScanMembers(ctx context.Context, listID int64, f MemberFilter, fn func(Member) error) error
	// PeerAccessHash is the newest access hash an account was given for a
	// user; ErrNotFound when it has none.
	PeerAccessHash(ctx context.Context, accountID, tgUserID int64) (int64, error)
}

// CursorAfter is the cursor that continues after m in the filter's order.
func (f MemberFilter) CursorAfter(m Member) MemberCursor {
	switch f.Sort {
	case SortName:
		return MemberCursor{Key: m.SortName(), ID: m.ID}
	case SortUsername:
		return MemberCursor{Key: strings.ToLower(m.Username), ID: m.ID}
	case SortLastSeen:
		return MemberCursor{Key: m.SeenRank, ID: m.ID}
	}
	return MemberCursor{ID: m.ID}
}

// SortName is what SortName orders by: the full name in lower case.
func (m Member) SortName() string {
	return strings.ToLower(strings.TrimSpace(m.FirstName + " " + m.LastName))
}

// SearchText is what MemberFilter.Search looks in, in lower case (kept in
// the row, since SQLite's lower() only knows ASCII).
func (m Member) SearchText() string {
	parts := append([]string{m.FirstName, m.LastName, m.Username}, m.Usernames...)
	if m.Phone != "" {
		parts = append(parts, m.Phone)
	}
	return strings.ToLower(strings.Join(parts, " "))
}
