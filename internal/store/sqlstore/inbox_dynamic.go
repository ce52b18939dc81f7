package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/telegramate/telegramate/internal/store"
)

// The inbox's statements sqlc cannot write as one static query; the rest
// are in queries/inbox.sql. Written with "?" parameters (rebind), run
// through the store's prepared statements:
//   - the conversation list combines optional filters with a keyset
//     cursor, and each filter must reach its own index for page 1,000 to
//     cost what page 1 does, which one static query with
//     "(? = 0 OR account_id = ?)" terms would not do; its limit, and the
//     notes' page's, is written into the text (see ListConversations);
//   - the notes' page takes its keyset only after its first page.

const conversationColumns = "c.id, c.user_id, c.account_id, c.tg_user_id, c.access_hash, c.first_name, c.last_name, c.username, " +
	"c.last_message_at, c.last_message_text, c.last_message_out, c.unread, c.status, c.campaign_id, " +
	"COALESCE(cp.name, ''), ta.first_name, ta.last_name, ta.username, c.history_loaded, c.assigned_to, COALESCE(au.email, ''), c.created_at, c.updated_at"

const conversationFrom = " FROM conversations c JOIN telegram_accounts ta ON ta.id = c.account_id LEFT JOIN campaigns cp ON cp.id = c.campaign_id" +
	" LEFT JOIN users au ON au.id = c.assigned_to"

func scanConversation(r scanner) (store.Conversation, error) {
	var (
		c        store.Conversation
		campaign sql.NullInt64
		assigned sql.NullInt64
		unread   int64
	)
	err := r.Scan(&c.ID, &c.UserID, &c.AccountID, &c.TGUserID, &c.AccessHash, &c.FirstName, &c.LastName, &c.Username,
		&c.LastMessageAt, &c.LastMessageText, &c.LastMessageOut, &unread, &c.Status, &campaign,
		&c.CampaignName, &c.AccountFirstName, &c.AccountLastName, &c.AccountUsername, &c.HistoryLoaded,
		&assigned, &c.AssignedEmail, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return c, err
	}
	c.Unread, c.CampaignID, c.AssignedTo = int(unread), campaign.Int64, assigned.Int64
	c.LastMessageAt, c.CreatedAt, c.UpdatedAt = c.LastMessageAt.UTC(), c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, nil
}

// ListConversations names each filter's column right after user_id, so
// the engine walks the index that ends in (last_message_at, id) from the
// cursor, newest first, and stops after the page.
func (q queries) ListConversations(ctx context.Context, userID int64, f store.ConversationFilter) ([]store.Conversation, error) {
	where := []string{"c.user_id = ?"}
	args := []any{userID}
	if f.AccountID != 0 {
		where, args = append(where, "c.account_id = ?"), append(args, f.AccountID)
	}
	if f.CampaignID != 0 {
		where, args = append(where, "c.campaign_id = ?"), append(args, f.CampaignID)
	}
	if f.Status != "" {
		where, args = append(where, "c.status = ?"), append(args, f.Status)
	}
	switch {
	case f.AssignedTo != 0:
		where, args = append(where, "c.assigned_to = ?"), append(args, f.AssignedTo)
	case f.Unassigned:
		where = append(where, "c.assigned_to IS NULL")
	}
	if f.Unread {
		where = append(where, "c.unread > 0")
	}
	if s := strings.ToLower(strings.TrimSpace(f.Search)); s != "" {
		like := "%" + escapeLike(s) + "%"
		where = append(where, `(c.search_text LIKE ? ESCAPE '\' OR EXISTS (SELECT 1 FROM inbox_messages m `+
			`WHERE m.conversation_id = c.id AND lower(m.text) LIKE ? ESCAPE '\'))`)
		args = append(args, like, like)
	}
	if f.After.ID != 0 {
		// (at, id) < (after.at, after.id), written so that its first term
		// is a plain range on the index.
		where = append(where, "c.last_message_at <= ? AND (c.last_message_at < ? OR c.id < ?)")
		args = append(args, f.After.At, f.After.At, f.After.ID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	// The limit is written into the query, not bound: with a bound limit
	// PostgreSQL's generic plan looks costlier than a custom one (it
	// cannot tell the page is small), so it plans the joins again on
	// every call, which cost more than the query itself.
	rows, err := q.query(ctx, "SELECT "+conversationColumns+conversationFrom+" WHERE "+strings.Join(where, " AND ")+
		" ORDER BY c.last_message_at DESC, c.id DESC LIMIT "+strconv.Itoa(limit), args...)
	return collect(q.d, rows, err, scanConversation)
}

const noteColumns = "n.id, n.conversation_id, n.user_id, n.author_id, COALESCE(u.email, ''), n.text, n.created_at"

func scanNote(r scanner) (store.Note, error) {
	var (
		n      store.Note
		author sql.NullInt64
	)
	err := r.Scan(&n.ID, &n.ConversationID, &n.UserID, &author, &n.AuthorEmail, &n.Text, &n.CreatedAt)
	n.AuthorID, n.CreatedAt = author.Int64, n.CreatedAt.UTC()
	return n, err
}

func (q queries) ConversationNotes(ctx context.Context, conversationID, beforeID int64, limit int) ([]store.Note, error) {
	if limit <= 0 {
		limit = 50
	}
	where, args := "n.conversation_id = ?", []any{conversationID}
	if beforeID != 0 {
		where, args = where+" AND n.id < ?", append(args, beforeID)
	}
	rows, err := q.query(ctx, "SELECT "+noteColumns+" FROM conversation_notes n LEFT JOIN users u ON u.id = n.author_id WHERE "+where+
		" ORDER BY n.id DESC LIMIT "+strconv.Itoa(limit), args...)
	return collect(q.d, rows, err, scanNote)
}
