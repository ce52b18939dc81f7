package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/store"
)

// The inbox is written in hand-written SQL that both engines accept, as
// the campaigns are (see campaigns.go): the conversation list combines
// optional filters with a keyset cursor, and each filter must reach its
// own index for page 1,000 to cost what page 1 does, which one static
// sqlc query with "(? = 0 OR account_id = ?)" terms would not do.

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

func (q queries) conversation(ctx context.Context, where string, args ...any) (store.Conversation, error) {
	c, err := scanConversation(q.queryRow(ctx, "SELECT "+conversationColumns+conversationFrom+" WHERE "+where, args...))
	return c, mapErr(q.d, err)
}

// searchText is what the search box matches a conversation's person by.
func searchText(p store.ConversationPeer) string {
	return strings.ToLower(strings.TrimSpace(p.FirstName + " " + p.LastName + " " + p.Username))
}

// noMessageYet is a new conversation's last-message time until its first
// message (added in the same breath) moves it.
var noMessageYet = time.Unix(0, 0).UTC()

func (q queries) UpsertConversation(ctx context.Context, p store.ConversationPeer) (store.Conversation, bool, error) {
	var (
		out     store.Conversation
		created bool
	)
	err := q.inTx(ctx, func(q queries) error {
		c, err := q.conversation(ctx, "c.account_id = ? AND c.tg_user_id = ?", p.AccountID, p.TGUserID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			var id int64
			err := q.queryRow(ctx, "INSERT INTO conversations (user_id, account_id, tg_user_id, access_hash, first_name, last_name, username, "+
				"search_text, last_message_at, status, campaign_id, created_at, updated_at) "+
				"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?) RETURNING id",
				p.UserID, p.AccountID, p.TGUserID, p.AccessHash, p.FirstName, p.LastName, p.Username,
				searchText(p), noMessageYet, nullID(p.CampaignID), p.Now, p.Now).Scan(&id)
			if err != nil {
				return mapErr(q.d, err)
			}
			created = true
			out, err = q.conversation(ctx, "c.id = ?", id)
			return err
		case err != nil:
			return err
		}
		hash := p.AccessHash
		if hash == 0 {
			hash = c.AccessHash
		}
		name := p
		if p.FirstName == "" && p.LastName == "" && p.Username == "" {
			name.FirstName, name.LastName, name.Username = c.FirstName, c.LastName, c.Username
		}
		campaign := c.CampaignID
		if campaign == 0 {
			campaign = p.CampaignID
		}
		if hash != c.AccessHash || name.FirstName != c.FirstName || name.LastName != c.LastName ||
			name.Username != c.Username || campaign != c.CampaignID {
			if _, err := q.exec(ctx, "UPDATE conversations SET access_hash = ?, first_name = ?, last_name = ?, username = ?, "+
				"search_text = ?, campaign_id = ?, updated_at = ? WHERE id = ?",
				hash, name.FirstName, name.LastName, name.Username, searchText(name), nullID(campaign), p.Now, c.ID); err != nil {
				return err
			}
			out, err = q.conversation(ctx, "c.id = ?", c.ID)
			return err
		}
		out = c
		return nil
	})
	return out, created, err
}

func (q queries) ConversationByID(ctx context.Context, userID, id int64) (store.Conversation, error) {
	return q.conversation(ctx, "c.id = ? AND c.user_id = ?", id, userID)
}

func (q queries) ConversationOfPeer(ctx context.Context, accountID, tgUserID int64) (store.Conversation, error) {
	return q.conversation(ctx, "c.account_id = ? AND c.tg_user_id = ?", accountID, tgUserID)
}

func (q queries) ConversationPeersOf(ctx context.Context, accountID int64) ([]int64, error) {
	ids, err := q.q.ConversationPeersOf(ctx, accountID)
	return ids, mapErr(q.d, err)
}

func (q queries) ConversationForWork(ctx context.Context, id int64) (store.Conversation, error) {
	return q.conversation(ctx, "c.id = ?", id)
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
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Conversation
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return nil, mapErr(q.d, err)
		}
		out = append(out, c)
	}
	return out, mapErr(q.d, rows.Err())
}

const inboxMessageColumns = "id, conversation_id, user_id, account_id, tg_message_id, direction, origin, text, entities, media_type, media_size, " +
	"sent_at, state, random_id, attempts, error_code, error, answered_by, " +
	"COALESCE((SELECT email FROM users WHERE users.id = inbox_messages.answered_by), ''), created_at, updated_at"

func scanInboxMessage(r scanner) (store.InboxMessage, error) {
	var (
		m              store.InboxMessage
		tgID, attempts int64
		entities       string
		answeredBy     sql.NullInt64
	)
	err := r.Scan(&m.ID, &m.ConversationID, &m.UserID, &m.AccountID, &tgID, &m.Direction, &m.Origin, &m.Text, &entities, &m.MediaType, &m.MediaSize,
		&m.SentAt, &m.State, &m.RandomID, &attempts, &m.ErrorCode, &m.Error, &answeredBy, &m.AnsweredByEmail, &m.CreatedAt, &m.UpdatedAt)
	m.AnsweredBy = answeredBy.Int64
	if err == nil && entities != "" {
		if jerr := json.Unmarshal([]byte(entities), &m.Entities); jerr != nil {
			return m, fmt.Errorf("inbox message %d: entities: %w", m.ID, jerr)
		}
	}
	m.TGMessageID, m.Attempts = int(tgID), int(attempts)
	m.SentAt, m.CreatedAt, m.UpdatedAt = m.SentAt.UTC(), m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	return m, err
}

func (q queries) inboxMessages(ctx context.Context, query string, args ...any) ([]store.InboxMessage, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.InboxMessage
	for rows.Next() {
		m, err := scanInboxMessage(rows)
		if err != nil {
			return nil, mapErr(q.d, err)
		}
		out = append(out, m)
	}
	return out, mapErr(q.d, rows.Err())
}

func (q queries) inboxMessage(ctx context.Context, where string, args ...any) (store.InboxMessage, error) {
	m, err := scanInboxMessage(q.queryRow(ctx, "SELECT "+inboxMessageColumns+" FROM inbox_messages WHERE "+where, args...))
	return m, mapErr(q.d, err)
}

func (q queries) AddInboxMessage(ctx context.Context, m store.InboxMessage) (store.InboxMessage, bool, error) {
	var (
		out   store.InboxMessage
		added bool
	)
	now := m.CreatedAt
	err := q.inTx(ctx, func(q queries) error {
		if m.TGMessageID != 0 {
			got, err := q.inboxMessage(ctx, "conversation_id = ? AND tg_message_id = ?", m.ConversationID, m.TGMessageID)
			if err == nil {
				out = got
				return nil
			}
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		if m.RandomID != 0 && m.Direction == store.DirectionOut {
			// A message the product sent: an answer is kept already
			// under its random_id (its Telegram id comes when it is
			// recorded sent).
			got, err := q.inboxMessage(ctx, "conversation_id = ? AND random_id = ?", m.ConversationID, m.RandomID)
			if err == nil {
				out = got
				return nil
			}
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		var id int64
		err := q.queryRow(ctx, "INSERT INTO inbox_messages (conversation_id, user_id, account_id, tg_message_id, direction, origin, text, "+
			"entities, media_type, media_size, sent_at, state, random_id, created_at, updated_at) "+
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			m.ConversationID, m.UserID, m.AccountID, m.TGMessageID, m.Direction, m.Origin, m.Text, entitiesJSON(m.Entities),
			m.MediaType, m.MediaSize, m.SentAt, m.State, m.RandomID, now, now).Scan(&id)
		if err != nil {
			return mapErr(q.d, err)
		}
		added = true
		if err := q.touchConversation(ctx, m, now); err != nil {
			return err
		}
		out, err = q.inboxMessage(ctx, "id = ?", id)
		return err
	})
	return out, added, err
}

// touchConversation moves a conversation's last message to the newest of
// its thread in thread order (m, unless history or a late update brought
// an older one), counts an incoming m unread, and reopens a done
// conversation the person wrote to again.
func (q queries) touchConversation(ctx context.Context, m store.InboxMessage, now time.Time) error {
	in := m.Direction == store.DirectionIn
	unread := 0
	if in {
		unread = 1
	}
	last := m
	newest, err := q.ListInboxMessages(ctx, m.ConversationID, store.InboxMessageCursor{}, 1)
	if err != nil {
		return err
	}
	if len(newest) == 1 {
		last = newest[0]
	}
	_, err = q.exec(ctx, "UPDATE conversations SET last_message_text = ?, last_message_out = ?, last_message_at = ?, "+
		"unread = unread + ?, status = CASE WHEN ? THEN 'open' ELSE status END, updated_at = ? WHERE id = ?",
		previewText(last), last.Direction == store.DirectionOut, last.SentAt, unread, in, now, m.ConversationID)
	return err
}

// previewText is what the list shows of a message.
func previewText(m store.InboxMessage) string {
	text := m.Text
	if text == "" && m.MediaType != "" {
		text = "[" + m.MediaType + "]"
	}
	if r := []rune(text); len(r) > 200 {
		text = string(r[:200])
	}
	return text
}

// threadOrd orders a thread's messages of one second (Telegram dates to
// the second) as Telegram numbered them, whenever the inbox learned of
// them (history comes after the replies it precedes); an answer not sent
// yet comes after them. store.InboxMessage.Ord is the same in Go.
const threadOrd = "(CASE WHEN tg_message_id = 0 THEN 2147483648 ELSE tg_message_id END)"

func (q queries) ListInboxMessages(ctx context.Context, conversationID int64, before store.InboxMessageCursor, limit int) ([]store.InboxMessage, error) {
	if limit <= 0 {
		limit = 50
	}
	if before.ID == 0 {
		return q.inboxMessages(ctx, "SELECT "+inboxMessageColumns+" FROM inbox_messages WHERE conversation_id = ? "+
			"ORDER BY sent_at DESC, "+threadOrd+" DESC, id DESC LIMIT ?", conversationID, limit)
	}
	return q.inboxMessages(ctx, "SELECT "+inboxMessageColumns+" FROM inbox_messages WHERE conversation_id = ? "+
		"AND sent_at <= ? AND (sent_at < ? OR "+threadOrd+" < ? OR ("+threadOrd+" = ? AND id < ?)) "+
		"ORDER BY sent_at DESC, "+threadOrd+" DESC, id DESC LIMIT ?",
		conversationID, before.At, before.At, before.Ord, before.Ord, before.ID, limit)
}

func (q queries) InboxMessageByID(ctx context.Context, id int64) (store.InboxMessage, error) {
	return q.inboxMessage(ctx, "id = ?", id)
}

func (q queries) MarkConversationRead(ctx context.Context, userID, id int64, now time.Time) error {
	n, err := q.exec(ctx, "UPDATE conversations SET unread = 0, updated_at = ? WHERE id = ? AND user_id = ? AND unread <> 0", now, id, userID)
	if err != nil || n > 0 {
		return err
	}
	_, err = q.ConversationByID(ctx, userID, id)
	return err
}

func (q queries) SetConversationStatus(ctx context.Context, userID, id int64, status string, now time.Time) (store.Conversation, error) {
	if _, err := q.exec(ctx, "UPDATE conversations SET status = ?, updated_at = ? WHERE id = ? AND user_id = ?", status, now, id, userID); err != nil {
		return store.Conversation{}, err
	}
	return q.ConversationByID(ctx, userID, id)
}

func (q queries) SetHistoryLoaded(ctx context.Context, id int64, now time.Time) error {
	n, err := q.exec(ctx, "UPDATE conversations SET history_loaded = ?, updated_at = ? WHERE id = ?", true, now, id)
	return affected(q.d, n, err)
}

func (q queries) CountUnreadConversations(ctx context.Context, userID int64) (int, error) {
	var n int64
	err := q.queryRow(ctx, "SELECT COUNT(*) FROM conversations WHERE user_id = ? AND unread > 0", userID).Scan(&n)
	return int(n), mapErr(q.d, err)
}

func (q queries) LatestDeliveryTo(ctx context.Context, accountID, tgUserID int64) (store.Delivery, error) {
	d, err := scanDelivery(q.queryRow(ctx, "SELECT "+deliveryColumns+" FROM deliveries WHERE account_id = ? AND tg_user_id = ? "+
		"AND state IN ('sent', 'sending') ORDER BY id DESC LIMIT 1", accountID, tgUserID))
	return d, mapErr(q.d, err)
}

func (q queries) IsCampaignMessage(ctx context.Context, accountID, tgUserID int64, tgMessageID int) (bool, error) {
	var n int64
	// A delivery still sending is the message: its answer, with the id,
	// may come after the update that shows the message.
	err := q.queryRow(ctx, "SELECT COUNT(*) FROM deliveries WHERE account_id = ? AND tg_user_id = ? AND (message_id = ? OR state = 'sending')",
		accountID, tgUserID, tgMessageID).Scan(&n)
	return n > 0, mapErr(q.d, err)
}

func (q queries) CreateAnswer(ctx context.Context, a store.NewAnswer) (store.InboxMessage, error) {
	var out store.InboxMessage
	err := q.inTx(ctx, func(q queries) error {
		c, err := q.ConversationByID(ctx, a.UserID, a.ConversationID)
		if err != nil {
			return err
		}
		// Telegram dates messages to the second: the answer is dated as it
		// will be, so a thread sorts it among the others as Telegram does.
		sentAt := a.Now.Truncate(time.Second)
		var id int64
		err = q.queryRow(ctx, "INSERT INTO inbox_messages (conversation_id, user_id, account_id, direction, origin, text, entities, sent_at, "+
			"state, random_id, error_code, error, answered_by, created_at, updated_at) "+
			"VALUES (?, ?, ?, 'out', 'answer', ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?) RETURNING id",
			c.ID, c.UserID, c.AccountID, a.Text, entitiesJSON(a.Entities), sentAt, a.RandomID, a.ErrorCode, a.Error, nullID(a.AnsweredBy), a.Now, a.Now).Scan(&id)
		if err != nil {
			return mapErr(q.d, err)
		}
		out, err = q.inboxMessage(ctx, "id = ?", id)
		if err != nil {
			return err
		}
		return q.touchConversation(ctx, out, a.Now)
	})
	return out, err
}

func (q queries) NextPendingAnswer(ctx context.Context, accountID int64) (store.InboxMessage, error) {
	return q.inboxMessage(ctx, "account_id = ? AND state = 'pending' ORDER BY id LIMIT 1", accountID)
}

func (q queries) ClaimAnswer(ctx context.Context, id int64, now time.Time) error {
	n, err := q.exec(ctx, "UPDATE inbox_messages SET state = 'sending', attempts = attempts + 1, updated_at = ? WHERE id = ? AND state = 'pending'", now, id)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("answer %d is no longer pending: %w", id, store.ErrConflict)
	}
	return nil
}

func (q queries) SendingAnswers(ctx context.Context, accountID int64) ([]store.InboxMessage, error) {
	return q.inboxMessages(ctx, "SELECT "+inboxMessageColumns+" FROM inbox_messages WHERE account_id = ? AND state = 'sending' ORDER BY id", accountID)
}

func (q queries) RetryAnswer(ctx context.Context, id int64, now time.Time) error {
	n, err := q.exec(ctx, "UPDATE inbox_messages SET attempts = attempts + 1, updated_at = ? WHERE id = ? AND state = 'sending'", now, id)
	return affected(q.d, n, err)
}

func (q queries) FinishAnswer(ctx context.Context, id int64, state string, tgMessageID int, code, reason string, now time.Time) (store.InboxMessage, error) {
	var out store.InboxMessage
	err := q.inTx(ctx, func(q queries) error {
		m, err := q.inboxMessage(ctx, "id = ?", id)
		if err != nil {
			return err
		}
		if tgMessageID != 0 {
			// An update may have shown the sent message before its answer
			// was recorded; the answer's row is the one to keep.
			if _, err := q.exec(ctx, "DELETE FROM inbox_messages WHERE conversation_id = ? AND tg_message_id = ? AND id <> ?",
				m.ConversationID, tgMessageID, id); err != nil {
				return err
			}
		}
		n, err := q.exec(ctx, "UPDATE inbox_messages SET state = ?, tg_message_id = ?, error_code = ?, error = ?, updated_at = ? "+
			"WHERE id = ? AND state IN ('pending', 'sending')", state, tgMessageID, code, reason, now, id)
		if err := affected(q.d, n, err); err != nil {
			return err
		}
		if err := q.touchAnswered(ctx, id, now); err != nil {
			return err
		}
		out, err = q.inboxMessage(ctx, "id = ?", id)
		return err
	})
	return out, err
}

func (q queries) ReleaseAnswer(ctx context.Context, id int64, code, reason string, now time.Time) error {
	n, err := q.exec(ctx, "UPDATE inbox_messages SET state = 'pending', error_code = ?, error = ?, updated_at = ? WHERE id = ? AND state = 'sending'",
		code, reason, now, id)
	if err := affected(q.d, n, err); err != nil {
		return err
	}
	return q.touchAnswered(ctx, id, now)
}

func (q queries) NoteWaitingAnswers(ctx context.Context, accountID int64, code, reason string, now time.Time) error {
	_, err := q.exec(ctx, "UPDATE inbox_messages SET error_code = ?, error = ?, updated_at = ? WHERE account_id = ? AND state = 'pending'",
		code, reason, now, accountID)
	return err
}

func (q queries) accountRefs(ctx context.Context, query string, args ...any) ([]store.AccountRef, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.AccountRef
	for rows.Next() {
		var r store.AccountRef
		if err := rows.Scan(&r.UserID, &r.AccountID); err != nil {
			return nil, mapErr(q.d, err)
		}
		out = append(out, r)
	}
	return out, mapErr(q.d, rows.Err())
}

func (q queries) AccountsWithAnswers(ctx context.Context) ([]store.AccountRef, error) {
	return q.accountRefs(ctx, "SELECT DISTINCT user_id, account_id FROM inbox_messages WHERE state IN ('pending', 'sending') ORDER BY account_id")
}

func (q queries) ConversationsChangedSince(ctx context.Context, userID int64, since time.Time) ([]store.ConversationChange, error) {
	rows, err := q.query(ctx, "SELECT id, updated_at FROM conversations WHERE user_id = ? AND updated_at > ? ORDER BY updated_at LIMIT 200", userID, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.ConversationChange
	for rows.Next() {
		var c store.ConversationChange
		if err := rows.Scan(&c.ID, &c.At); err != nil {
			return nil, mapErr(q.d, err)
		}
		c.At = c.At.UTC()
		out = append(out, c)
	}
	return out, mapErr(q.d, rows.Err())
}

func (q queries) AssignConversation(ctx context.Context, userID, id, assignee int64, now time.Time) (store.Conversation, error) {
	n, err := q.exec(ctx, "UPDATE conversations SET assigned_to = ?, updated_at = ? WHERE id = ? AND user_id = ?", nullID(assignee), now, id, userID)
	if err := affected(q.d, n, err); err != nil {
		return store.Conversation{}, err
	}
	return q.ConversationByID(ctx, userID, id)
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

func (q queries) AddNote(ctx context.Context, n store.Note) (store.Note, error) {
	var out store.Note
	err := q.inTx(ctx, func(q queries) error {
		if _, err := q.ConversationByID(ctx, n.UserID, n.ConversationID); err != nil {
			return err
		}
		var id int64
		if err := q.queryRow(ctx, "INSERT INTO conversation_notes (conversation_id, user_id, author_id, text, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			n.ConversationID, n.UserID, nullID(n.AuthorID), n.Text, n.CreatedAt).Scan(&id); err != nil {
			return mapErr(q.d, err)
		}
		// The thread changed: live pages on other nodes look again.
		if _, err := q.exec(ctx, "UPDATE conversations SET updated_at = ? WHERE id = ?", n.CreatedAt, n.ConversationID); err != nil {
			return err
		}
		var err error
		out, err = scanNote(q.queryRow(ctx, "SELECT "+noteColumns+" FROM conversation_notes n LEFT JOIN users u ON u.id = n.author_id WHERE n.id = ?", id))
		return mapErr(q.d, err)
	})
	return out, err
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
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Note
	for rows.Next() {
		n, err := scanNote(rows)
		if err != nil {
			return nil, mapErr(q.d, err)
		}
		out = append(out, n)
	}
	return out, mapErr(q.d, rows.Err())
}

func (q queries) SetTyping(ctx context.Context, userID, conversationID, personID int64, at time.Time) error {
	_, err := q.exec(ctx, "INSERT INTO inbox_typing (conversation_id, person_id, user_id, typed_at) VALUES (?, ?, ?, ?) "+
		"ON CONFLICT (conversation_id, person_id) DO UPDATE SET typed_at = excluded.typed_at", conversationID, personID, userID, at)
	return mapErr(q.d, err)
}

func (q queries) ClearTyping(ctx context.Context, conversationID, personID int64) error {
	_, err := q.exec(ctx, "DELETE FROM inbox_typing WHERE conversation_id = ? AND person_id = ?", conversationID, personID)
	return mapErr(q.d, err)
}

func (q queries) Typing(ctx context.Context, conversationID int64, since time.Time) ([]store.Typist, error) {
	rows, err := q.query(ctx, "SELECT t.person_id, u.email, t.typed_at FROM inbox_typing t JOIN users u ON u.id = t.person_id "+
		"WHERE t.conversation_id = ? AND t.typed_at > ? ORDER BY t.typed_at, t.person_id", conversationID, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Typist
	for rows.Next() {
		var t store.Typist
		if err := rows.Scan(&t.PersonID, &t.Email, &t.TypedAt); err != nil {
			return nil, mapErr(q.d, err)
		}
		t.TypedAt = t.TypedAt.UTC()
		out = append(out, t)
	}
	return out, mapErr(q.d, rows.Err())
}

// touchAnswered marks the conversation of an answer changed.
func (q queries) touchAnswered(ctx context.Context, messageID int64, now time.Time) error {
	_, err := q.exec(ctx, "UPDATE conversations SET updated_at = ? WHERE id = (SELECT conversation_id FROM inbox_messages WHERE id = ?)", now, messageID)
	return err
}

func (q queries) ConnectedAccounts(ctx context.Context) ([]store.AccountRef, error) {
	return q.accountRefs(ctx, "SELECT user_id, id FROM telegram_accounts WHERE status IN ('active', 'flood_wait', 'limited') "+
		"AND session_sealed IS NOT NULL ORDER BY id")
}

// entitiesJSON is how a message's entities are kept: ” for none.
func entitiesJSON(list []store.TextEntity) string {
	if len(list) == 0 {
		return ""
	}
	b, _ := json.Marshal(list) // plain fields: cannot fail
	return string(b)
}
