package extract

import (
	"context"
	"time"

	"github.com/telegramate/telegramate/internal/store"
)

// Store is the part of the store extractions use outside a transaction
// (inside one, store.Tx stays whole), so that what this package reads and
// writes shows at a glance, and a fake needs only this.
type Store interface {
	// from store.Extractions
	AccountChatByTGID(ctx context.Context, userID, accountID, tgChatID int64) (store.Chat, error)
	CancelExtraction(ctx context.Context, userID, id int64, now time.Time) (store.Extraction, error)
	CountMembers(ctx context.Context, listID int64, f store.MemberFilter) (int, error)
	DeleteMemberList(ctx context.Context, userID, id int64) error
	ExtractionByID(ctx context.Context, userID, id int64) (store.Extraction, error)
	ExtractionByListID(ctx context.Context, userID, listID int64) (store.Extraction, error)
	FinishExtraction(ctx context.Context, id int64, runToken, status, code, message, hint string, now time.Time) error
	ListAccountChats(ctx context.Context, userID, accountID int64) ([]store.Chat, error)
	ListExtractions(ctx context.Context, userID int64, limit int) ([]store.Extraction, error)
	ListMemberLists(ctx context.Context, userID int64) ([]store.MemberList, error)
	ListMembers(ctx context.Context, listID int64, f store.MemberFilter, after store.MemberCursor, limit int) ([]store.Member, error)
	MemberListByID(ctx context.Context, userID, id int64) (store.MemberList, error)
	MemberListCounts(ctx context.Context, userID int64) (lists, ready int, err error)
	MemberListsPage(ctx context.Context, userID, beforeID int64, limit int) ([]store.MemberList, error)
	MergeMemberLists(ctx context.Context, userID int64, name string, listIDs []int64, now time.Time) (store.MemberList, error)
	RenameMemberList(ctx context.Context, userID, id int64, name string, now time.Time) error
	ReplaceAccountChats(ctx context.Context, accountID int64, chats []store.Chat, now time.Time) error
	ScanMembers(ctx context.Context, listID int64, f store.MemberFilter, fn func(store.Member) error) error
	SearchMemberLists(ctx context.Context, userID int64, text string, limit int) ([]store.MemberList, error)
	SetExtractionWaiting(ctx context.Context, id int64, runToken string, until, now time.Time) error
	StartExtractionRun(ctx context.Context, id int64, runToken string, now time.Time) (store.Extraction, error)

	// from store.Audit
	AddAuditEvent(ctx context.Context, e store.AuditEvent) (store.AuditEvent, error)

	// from store.Campaigns
	UsageOf(ctx context.Context, userID int64) (store.Usage, error)

	// from store.Users
	UserByID(ctx context.Context, id int64) (store.User, error)

	// of the store itself
	InTx(ctx context.Context, fn func(tx store.Tx) error) error
}
