package inbox

import (
	"context"
	"io"
	"time"

	"github.com/telegramate/telegramate/internal/store"
)

// Store is the part of the store the inbox uses outside a transaction
// (inside one, store.Tx stays whole), so that what this package reads and
// writes shows at a glance, and a fake needs only this.
type Store interface {
	// from store.Inbox
	AccountsWithAnswers(ctx context.Context) ([]store.AccountRef, error)
	AddNote(ctx context.Context, n store.Note) (store.Note, error)
	ClaimAnswer(ctx context.Context, id int64, now time.Time) error
	ClearTyping(ctx context.Context, conversationID, personID int64) error
	ConversationByID(ctx context.Context, userID, id int64) (store.Conversation, error)
	ConversationForWork(ctx context.Context, id int64) (store.Conversation, error)
	ConversationNotes(ctx context.Context, conversationID, beforeID int64, limit int) ([]store.Note, error)
	ConversationOfPeer(ctx context.Context, accountID, tgUserID int64) (store.Conversation, error)
	ConversationPeersOf(ctx context.Context, accountID int64) ([]int64, error)
	ConversationsChangedSince(ctx context.Context, userID int64, since time.Time) ([]store.ConversationChange, error)
	CountUnreadConversations(ctx context.Context, userID int64) (int, error)
	IsCampaignMessage(ctx context.Context, accountID, tgUserID int64, tgMessageID int) (bool, error)
	LatestDeliveryTo(ctx context.Context, accountID, tgUserID int64) (store.Delivery, error)
	ListConversations(ctx context.Context, userID int64, f store.ConversationFilter) ([]store.Conversation, error)
	ListInboxMessages(ctx context.Context, conversationID int64, before store.InboxMessageCursor, limit int) ([]store.InboxMessage, error)
	MarkConversationRead(ctx context.Context, userID, id int64, now time.Time) error
	NextPendingAnswer(ctx context.Context, accountID int64) (store.InboxMessage, error)
	NoteWaitingAnswers(ctx context.Context, accountID int64, code, reason string, now time.Time) error
	ReleaseAnswer(ctx context.Context, id int64, code, reason string, now time.Time) error
	RetryAnswer(ctx context.Context, id int64, now time.Time) error
	SendingAnswers(ctx context.Context, accountID int64) ([]store.InboxMessage, error)
	SetConversationStatus(ctx context.Context, userID, id int64, status string, now time.Time) (store.Conversation, error)
	SetHistoryLoaded(ctx context.Context, id int64, now time.Time) error
	SetTyping(ctx context.Context, userID, conversationID, personID int64, at time.Time) error
	Typing(ctx context.Context, conversationID int64, since time.Time) ([]store.Typist, error)

	InboxMessageByID(ctx context.Context, id int64) (store.InboxMessage, error)

	// from store.InboxMedia
	PutInboxMedia(ctx context.Context, e store.NewInboxMediaEntry, r io.Reader) (store.InboxMediaEntry, error)
	OpenInboxMedia(ctx context.Context, messageID int64, variant string, now time.Time) (store.InboxMediaEntry, io.Reader, error)
	EvictInboxMedia(ctx context.Context, limit, keep int64, staleBefore time.Time) (int, error)

	// from store.Campaigns
	AddSuppression(ctx context.Context, s store.Suppression) (store.Suppression, bool, error)

	// from store.Users
	UserByID(ctx context.Context, id int64) (store.User, error)

	// from store.Workspaces
	Membership(ctx context.Context, workspaceID, userID int64) (store.Membership, error)
	WorkspaceMembers(ctx context.Context, workspaceID int64) ([]store.WorkspaceMember, error)

	// of the store itself
	Dialect() string
	InTx(ctx context.Context, fn func(tx store.Tx) error) error
}
