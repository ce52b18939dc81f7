package store

import (
	"context"
	"time"
)

// Conversation statuses.
const (
	ConversationOpen = "open"
	ConversationDone = "done"
)

// Inbox message directions and origins.
const (
	DirectionIn  = "in"
	DirectionOut = "out"

	OriginPerson   = "person"   // the person wrote it
	OriginCampaign = "campaign" // a campaign's delivery
	OriginAnswer   = "answer"   // answered from the inbox
	OriginApp      = "app"      // the account's own Telegram apps
)

// Answer states: an answer is "sending" from the transaction that claims
// it until Telegram's answer is recorded; one found in that state later
// was interrupted and is sent again with the same random_id.
const (
	AnswerPending = "pending"
	AnswerSending = "sending"
	AnswerSent    = "sent"
	AnswerFailed  = "failed"
)

// Conversation is one account's private chat with one person.
type Conversation struct {
	ID         int64
	UserID     int64
	AccountID  int64
	TGUserID   int64
	AccessHash int64
	FirstName  string
	LastName   string
	Username   string
	// Last message, for the list.
	LastMessageAt   time.Time
	LastMessageText string
	LastMessageOut  bool
	Unread          int
	Status          string // ConversationOpen or ConversationDone
	CampaignID      int64  // the campaign whose delivery started it; 0 for none
	CampaignName    string // filled by reads that join it
	// The account's names, filled by reads that join it.
	AccountFirstName string
	AccountLastName  string
	AccountUsername  string
	HistoryLoaded    bool
	// AssignedTo is the member the conversation is assigned to, 0 for
	// none; AssignedEmail is their email (reads join it).
	AssignedTo    int64
	AssignedEmail string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// ConversationPeer is who a conversation is with, as an update or the
// history named them; written on every message so names stay current.
type ConversationPeer struct {
	UserID     int64
	AccountID  int64
	TGUserID   int64
	AccessHash int64 // 0 keeps the known one
	FirstName  string
	LastName   string
	Username   string
	// CampaignID links a new conversation to the campaign it answers;
	// an existing link is kept.
	CampaignID int64
	Now        time.Time
}

// ConversationCursor is where a page of the list ends: the list is ordered
// by (LastMessageAt, ID), newest first.
type ConversationCursor struct {
	At time.Time
	ID int64
}

// ConversationFilter selects a page of a user's conversations.
type ConversationFilter struct {
	AccountID  int64  // 0: every account
	CampaignID int64  // 0: any
	Unread     bool   // only conversations with unread messages
	Status     string // "", ConversationOpen or ConversationDone
	// Search matches names and username (lower case, a substring) and the
	// text of any message.
	Search string
	// AssignedTo keeps the conversations assigned to this person (0: any);
	// Unassigned keeps those assigned to nobody.
	AssignedTo int64
	Unassigned bool
	// After is the previous page's last row; zero for the first page.
	After ConversationCursor
	Limit int
}

// ConversationChange is when a conversation last changed.
type ConversationChange struct {
	ID int64
	At time.Time
}

// InboxMessage is one message of a conversation.
type InboxMessage struct {
	ID             int64
	ConversationID int64
	UserID         int64
	AccountID      int64
	TGMessageID    int // 0 until an answer is sent
	Direction      string
	Origin         string
	Text           string
	// Entities are the text's formatting, as Telegram sent it or as the
	// answer was written; nil for plain text.
	Entities  []TextEntity
	MediaType string // "" for none; "photo", "video", "document", …
	MediaSize int64  // bytes, when known
	// MediaMIME and MediaFileName are what Telegram said of the file (a
	// photo is image/jpeg; a document its type and name as sent); the
	// bytes are fetched on first view (InboxMedia). An answer's file is
	// MediaFileID, the stored file it attaches (0 for none), named as
	// it was stored.
	MediaMIME     string
	MediaFileID   int64
	MediaFileName string
	SentAt        time.Time
	// Answers only.
	State     string
	RandomID  int64
	Attempts  int
	ErrorCode string
	Error     string
	// AnsweredBy is the person who wrote an answer from the inbox (0 for
	// other messages, and for answers written before teams or by a
	// person since deleted); AnsweredByEmail is their email.
	AnsweredBy      int64
	AnsweredByEmail string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Note is an internal note a member left in a conversation's thread: it
// is the team's, and never goes to Telegram.
type Note struct {
	ID             int64
	ConversationID int64
	UserID         int64 // the workspace
	AuthorID       int64 // 0 when the author's account was deleted
	AuthorEmail    string
	Text           string
	CreatedAt      time.Time
}

// Typist is a member typing an answer in a conversation, as of TypedAt.
type Typist struct {
	PersonID int64
	Email    string
	TypedAt  time.Time
}

// TextEntity is a formatted range of a message's text: Offset and Length
// count UTF-16 code units, as Telegram does. Type is one of bold, italic,
// underline, strike, code, pre, link.
type TextEntity struct {
	Type     string `json:"type"`
	Offset   int    `json:"offset"`
	Length   int    `json:"length"`
	URL      string `json:"url,omitempty"`
	Language string `json:"language,omitempty"`
}

// InboxMessageCursor is where a page of a thread ends: threads are ordered
// by (SentAt, Ord, ID), newest first.
type InboxMessageCursor struct {
	At  time.Time
	Ord int64
	ID  int64
}

// Ord is where a message stands among those of the same second: Telegram's
// message id, and after them an answer not sent yet.
func (m InboxMessage) Ord() int64 {
	if m.TGMessageID == 0 {
		return 1 << 31
	}
	return int64(m.TGMessageID)
}

// NewAnswer is an answer to write to a conversation's outbox.
type NewAnswer struct {
	UserID         int64
	ConversationID int64
	Text           string
	Entities       []TextEntity
	RandomID       int64
	// MediaFileID is the workspace's stored file it attaches (0 for none),
	// with the file's type and size, shown until it is sent.
	MediaFileID   int64
	MediaType     string
	MediaSize     int64
	MediaMIME     string
	MediaFileName string
	// AnsweredBy is the person who wrote it; 0 for none (a background
	// caller).
	AnsweredBy int64
	// ErrorCode and Error say why it waits, when its account cannot send
	// now.
	ErrorCode string
	Error     string
	Now       time.Time
}

// Inbox holds the conversations and their messages. Methods taking a
// userID are ErrNotFound for another user's rows.
type Inbox interface {
	// UpsertConversation finds or creates the conversation of an account
	// with a person, refreshing the person's names; created says which.
	UpsertConversation(ctx context.Context, p ConversationPeer) (c Conversation, created bool, err error)
	ConversationByID(ctx context.Context, userID, id int64) (Conversation, error)
	// ConversationOfPeer is the account's conversation with a person.
	ConversationOfPeer(ctx context.Context, accountID, tgUserID int64) (Conversation, error)
	// ConversationPeersOf lists the Telegram users the account has a
	// conversation with.
	ConversationPeersOf(ctx context.Context, accountID int64) ([]int64, error)
	// ConversationForWork reads a conversation whoever owns it (jobs).
	ConversationForWork(ctx context.Context, id int64) (Conversation, error)
	// ListConversations is one page, newest first.
	ListConversations(ctx context.Context, userID int64, f ConversationFilter) ([]Conversation, error)
	// AddInboxMessage stores a message seen on Telegram once (by its
	// Telegram id) and moves its conversation's last message, unread count
	// (incoming only) and status (an incoming message reopens a done
	// conversation); added is false when it was stored already.
	AddInboxMessage(ctx context.Context, m InboxMessage) (out InboxMessage, added bool, err error)
	// ListInboxMessages is a page of a thread before the cursor (zero: the
	// newest), newest first.
	ListInboxMessages(ctx context.Context, conversationID int64, before InboxMessageCursor, limit int) ([]InboxMessage, error)
	InboxMessageByID(ctx context.Context, id int64) (InboxMessage, error)
	MarkConversationRead(ctx context.Context, userID, id int64, now time.Time) error
	// SetConversationStatus is ErrNotFound for another user's conversation.
	SetConversationStatus(ctx context.Context, userID, id int64, status string, now time.Time) (Conversation, error)
	SetHistoryLoaded(ctx context.Context, id int64, now time.Time) error
	// CountUnreadConversations counts the user's conversations with unread
	// messages.
	CountUnreadConversations(ctx context.Context, userID int64) (int, error)
	// LatestDeliveryTo is the newest campaign delivery the account sent
	// (or is sending) to the person: the campaign a conversation answers,
	// and who the person is when an update did not say. ErrNotFound when
	// there is none.
	LatestDeliveryTo(ctx context.Context, accountID, tgUserID int64) (Delivery, error)
	// IsCampaignMessage reports whether the account's Telegram message to
	// the person was a campaign's delivery (or may be: one is sending).
	IsCampaignMessage(ctx context.Context, accountID, tgUserID int64, tgMessageID int) (bool, error)

	// CreateAnswer writes a pending answer with its random_id.
	CreateAnswer(ctx context.Context, a NewAnswer) (InboxMessage, error)
	// NextPendingAnswer is the account's oldest pending answer; ErrNotFound
	// when there is none.
	NextPendingAnswer(ctx context.Context, accountID int64) (InboxMessage, error)
	// ClaimAnswer marks a pending answer sending (one attempt more);
	// ErrConflict when it is no longer pending.
	ClaimAnswer(ctx context.Context, id int64, now time.Time) error
	// SendingAnswers lists an account's answers left mid-send.
	SendingAnswers(ctx context.Context, accountID int64) ([]InboxMessage, error)
	// RetryAnswer counts one more attempt at an answer left mid-send.
	RetryAnswer(ctx context.Context, id int64, now time.Time) error
	// FinishAnswer records Telegram's answer: sent with its message id
	// (replacing the copy of it an update may have stored first), or
	// failed with the reason.
	FinishAnswer(ctx context.Context, id int64, state string, tgMessageID int, code, reason string, now time.Time) (InboxMessage, error)
	// ReleaseAnswer puts a sending answer back to pending with why it
	// waits (nothing reached the person).
	ReleaseAnswer(ctx context.Context, id int64, code, reason string, now time.Time) error
	// NoteWaitingAnswers says on an account's pending answers why they
	// wait.
	NoteWaitingAnswers(ctx context.Context, accountID int64, code, reason string, now time.Time) error
	// AccountsWithAnswers lists the accounts with pending or sending
	// answers.
	AccountsWithAnswers(ctx context.Context) ([]AccountRef, error)
	// ConversationsChangedSince lists the user's conversations changed
	// (a message, an answer's state, read, done) after since, oldest change
	// first, at most 200; for live pages on a node other than the one that
	// made the change.
	ConversationsChangedSince(ctx context.Context, userID int64, since time.Time) ([]ConversationChange, error)
	// AssignConversation assigns a conversation to a person (0: to
	// nobody); ErrNotFound for another workspace's conversation. The
	// caller checks the person is a member.
	AssignConversation(ctx context.Context, userID, id, assignee int64, now time.Time) (Conversation, error)
	// AddNote writes an internal note to a conversation of the workspace
	// (n.UserID); ErrNotFound for another workspace's.
	AddNote(ctx context.Context, n Note) (Note, error)
	// ConversationNotes is a page of a conversation's notes before the
	// note beforeID (0: the newest), newest first.
	ConversationNotes(ctx context.Context, conversationID, beforeID int64, limit int) ([]Note, error)
	// SetTyping notes that a person is typing an answer in a
	// conversation of the workspace userID, as of at.
	SetTyping(ctx context.Context, userID, conversationID, personID int64, at time.Time) error
	// ClearTyping forgets that a person was typing (their answer is sent).
	ClearTyping(ctx context.Context, conversationID, personID int64) error
	// Typing lists who has typed in the conversation after since.
	Typing(ctx context.Context, conversationID int64, since time.Time) ([]Typist, error)
	// ConnectedAccounts lists the accounts the account runtime keeps
	// live: connected (active, waiting out a FLOOD_WAIT, or limited,
	// whose incoming messages still count) with a session.
	ConnectedAccounts(ctx context.Context) ([]AccountRef, error)
}
