package sqlstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

// The inbox runs sqlc's queries (queries/inbox.sql); the statements whose
// text depends on their data are in inbox_dynamic.go.

func toConversation(c gen.Conversation, campaignName, accountFirst, accountLast, accountUsername, assignedEmail string) store.Conversation {
	return store.Conversation{
		ID: c.ID, UserID: c.UserID, AccountID: c.AccountID, TGUserID: c.TgUserID, AccessHash: c.AccessHash,
		FirstName: c.FirstName, LastName: c.LastName, Username: c.Username, LastMessageAt: c.LastMessageAt.UTC(),
		LastMessageText: c.LastMessageText, LastMessageOut: c.LastMessageOut, Unread: int(c.Unread), Status: c.Status,
		CampaignID: c.CampaignID.Int64, CampaignName: campaignName, AccountFirstName: accountFirst, AccountLastName: accountLast,
		AccountUsername: accountUsername, HistoryLoaded: c.HistoryLoaded, AssignedTo: c.AssignedTo.Int64, AssignedEmail: assignedEmail,
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
	}
}

func toInboxMessage(r gen.InboxMessage, answeredByEmail, mediaFileName string) (store.InboxMessage, error) {
	m := store.InboxMessage{
		ID: r.ID, ConversationID: r.ConversationID, UserID: r.UserID, AccountID: r.AccountID, TGMessageID: int(r.TgMessageID),
		Direction: r.Direction, Origin: r.Origin, Text: r.Text, MediaType: r.MediaType, MediaSize: r.MediaSize,
		// An incoming file is named as Telegram named it; an answer's as
		// it was stored.
		MediaMIME: r.MediaMime, MediaFileName: cmp.Or(r.MediaFileName, mediaFileName),
		SentAt: r.SentAt.UTC(), State: r.State, RandomID: r.RandomID, Attempts: int(r.Attempts), ErrorCode: r.ErrorCode,
		Error: r.Error, AnsweredBy: r.AnsweredBy.Int64, AnsweredByEmail: answeredByEmail,
		MediaFileID: r.MediaFileID.Int64,
		CreatedAt:   r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if r.Entities != "" {
		if err := json.Unmarshal([]byte(r.Entities), &m.Entities); err != nil {
			return m, fmt.Errorf("inbox message %d: entities: %w", m.ID, err)
		}
	}
	return m, nil
}

// inboxMessageOf converts one message read, mapping its error.
func (q queries) inboxMessageOf(r gen.InboxMessage, email, mediaFileName string, err error) (store.InboxMessage, error) {
	if err != nil {
		return store.InboxMessage{}, mapErr(q.d, err)
	}
	return toInboxMessage(r, email, mediaFileName)
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
		c, err := q.ConversationOfPeer(ctx, p.AccountID, p.TGUserID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			id, err := q.q.InsertConversation(ctx, gen.InsertConversationParams{UserID: p.UserID, AccountID: p.AccountID,
				TgUserID: p.TGUserID, AccessHash: p.AccessHash, FirstName: p.FirstName, LastName: p.LastName, Username: p.Username,
				SearchText: searchText(p), LastMessageAt: noMessageYet, CampaignID: nullID(p.CampaignID), Now: p.Now})
			if err != nil {
				return mapErr(q.d, err)
			}
			created = true
			out, err = q.ConversationForWork(ctx, id)
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
			if err := q.q.UpdateConversationPeer(ctx, gen.UpdateConversationPeerParams{AccessHash: hash, FirstName: name.FirstName,
				LastName: name.LastName, Username: name.Username, SearchText: searchText(name), CampaignID: nullID(campaign),
				Now: p.Now, ID: c.ID}); err != nil {
				return mapErr(q.d, err)
			}
			out, err = q.ConversationForWork(ctx, c.ID)
			return err
		}
		out = c
		return nil
	})
	return out, created, err
}

func (q queries) ConversationByID(ctx context.Context, userID, id int64) (store.Conversation, error) {
	r, err := q.q.ConversationOfUser(ctx, gen.ConversationOfUserParams{ID: id, UserID: userID})
	return toConversation(r.Conversation, r.CampaignName, r.AccountFirstName, r.AccountLastName, r.AccountUsername, r.AssignedEmail),
		mapErr(q.d, err)
}

func (q queries) ConversationOfPeer(ctx context.Context, accountID, tgUserID int64) (store.Conversation, error) {
	r, err := q.q.ConversationWithPeer(ctx, gen.ConversationWithPeerParams{AccountID: accountID, TgUserID: tgUserID})
	return toConversation(r.Conversation, r.CampaignName, r.AccountFirstName, r.AccountLastName, r.AccountUsername, r.AssignedEmail),
		mapErr(q.d, err)
}

func (q queries) ConversationPeersOf(ctx context.Context, accountID int64) ([]int64, error) {
	ids, err := q.q.ConversationPeersOf(ctx, accountID)
	return ids, mapErr(q.d, err)
}

func (q queries) ConversationForWork(ctx context.Context, id int64) (store.Conversation, error) {
	r, err := q.q.ConversationToWork(ctx, id)
	return toConversation(r.Conversation, r.CampaignName, r.AccountFirstName, r.AccountLastName, r.AccountUsername, r.AssignedEmail),
		mapErr(q.d, err)
}

func (q queries) AddInboxMessage(ctx context.Context, m store.InboxMessage) (store.InboxMessage, bool, error) {
	var (
		out   store.InboxMessage
		added bool
	)
	now := m.CreatedAt
	err := q.inTx(ctx, func(q queries) error {
		if m.TGMessageID != 0 {
			r, err := q.q.InboxMessageByTGID(ctx, gen.InboxMessageByTGIDParams{ConversationID: m.ConversationID, TgMessageID: int64(m.TGMessageID)})
			got, err := q.inboxMessageOf(r.InboxMessage, r.AnsweredByEmail, r.MediaFileName, err)
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
			r, err := q.q.InboxMessageByRandomID(ctx, gen.InboxMessageByRandomIDParams{ConversationID: m.ConversationID, RandomID: m.RandomID})
			got, err := q.inboxMessageOf(r.InboxMessage, r.AnsweredByEmail, r.MediaFileName, err)
			if err == nil {
				out = got
				return nil
			}
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		id, err := q.q.InsertInboxMessage(ctx, gen.InsertInboxMessageParams{ConversationID: m.ConversationID, UserID: m.UserID,
			AccountID: m.AccountID, TgMessageID: int64(m.TGMessageID), Direction: m.Direction, Origin: m.Origin, Text: m.Text,
			Entities: entitiesJSON(m.Entities), MediaType: m.MediaType, MediaSize: m.MediaSize, MediaMime: m.MediaMIME, MediaFileName: m.MediaFileName, SentAt: m.SentAt, State: m.State,
			RandomID: m.RandomID, Now: now})
		if err != nil {
			return mapErr(q.d, err)
		}
		added = true
		if err := q.touchConversation(ctx, m, now); err != nil {
			return err
		}
		out, err = q.InboxMessageByID(ctx, id)
		return err
	})
	return out, added, err
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

func (q queries) InboxMessageByID(ctx context.Context, id int64) (store.InboxMessage, error) {
	r, err := q.q.InboxMessageOf(ctx, id)
	return q.inboxMessageOf(r.InboxMessage, r.AnsweredByEmail, r.MediaFileName, err)
}

func (q queries) MarkConversationRead(ctx context.Context, userID, id int64, now time.Time) error {
	n, err := q.q.MarkConversationReadOf(ctx, gen.MarkConversationReadOfParams{Now: now, ID: id, UserID: userID})
	if err != nil || n > 0 {
		return mapErr(q.d, err)
	}
	_, err = q.ConversationByID(ctx, userID, id)
	return err
}

func (q queries) SetConversationStatus(ctx context.Context, userID, id int64, status string, now time.Time) (store.Conversation, error) {
	if err := q.q.SetConversationStatusOf(ctx, gen.SetConversationStatusOfParams{Status: status, Now: now, ID: id, UserID: userID}); err != nil {
		return store.Conversation{}, mapErr(q.d, err)
	}
	return q.ConversationByID(ctx, userID, id)
}

func (q queries) SetHistoryLoaded(ctx context.Context, id int64, now time.Time) error {
	n, err := q.q.SetConversationHistoryLoaded(ctx, gen.SetConversationHistoryLoadedParams{Now: now, ID: id})
	return affected(q.d, n, err)
}

func (q queries) CountUnreadConversations(ctx context.Context, userID int64) (int, error) {
	n, err := q.q.CountUnreadConversationsOf(ctx, userID)
	return int(n), mapErr(q.d, err)
}

func (q queries) LatestDeliveryTo(ctx context.Context, accountID, tgUserID int64) (store.Delivery, error) {
	r, err := q.q.LatestDeliveryToPeer(ctx, gen.LatestDeliveryToPeerParams{AccountID: accountID, TgUserID: tgUserID})
	return one(q.d, r, err, toDelivery)
}

func (q queries) IsCampaignMessage(ctx context.Context, accountID, tgUserID int64, tgMessageID int) (bool, error) {
	n, err := q.q.CountCampaignMessages(ctx, gen.CountCampaignMessagesParams{AccountID: accountID, TgUserID: tgUserID,
		MessageID: int64(tgMessageID)})
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
		id, err := q.q.InsertAnswer(ctx, gen.InsertAnswerParams{ConversationID: c.ID, UserID: c.UserID, AccountID: c.AccountID,
			Text: a.Text, Entities: entitiesJSON(a.Entities), SentAt: sentAt, RandomID: a.RandomID, ErrorCode: a.ErrorCode,
			Error: a.Error, AnsweredBy: nullID(a.AnsweredBy), MediaFileID: nullID(a.MediaFileID), MediaType: a.MediaType,
			MediaSize: a.MediaSize, MediaMime: a.MediaMIME, MediaFileName: a.MediaFileName, Now: a.Now})
		if err != nil {
			return mapErr(q.d, err)
		}
		out, err = q.InboxMessageByID(ctx, id)
		if err != nil {
			return err
		}
		return q.touchConversation(ctx, out, a.Now)
	})
	return out, err
}

func (q queries) NextPendingAnswer(ctx context.Context, accountID int64) (store.InboxMessage, error) {
	r, err := q.q.FirstPendingAnswer(ctx, accountID)
	return q.inboxMessageOf(r.InboxMessage, r.AnsweredByEmail, r.MediaFileName, err)
}

func (q queries) ClaimAnswer(ctx context.Context, id int64, now time.Time) error {
	n, err := q.q.ClaimAnswerOf(ctx, gen.ClaimAnswerOfParams{Now: now, ID: id})
	if err != nil {
		return mapErr(q.d, err)
	}
	if n == 0 {
		return fmt.Errorf("answer %d is no longer pending: %w", id, store.ErrConflict)
	}
	return nil
}

func (q queries) SendingAnswers(ctx context.Context, accountID int64) ([]store.InboxMessage, error) {
	rs, err := q.q.SendingAnswersOf(ctx, accountID)
	return convertAll(q.d, rs, err, func(r gen.SendingAnswersOfRow) (store.InboxMessage, error) {
		return toInboxMessage(r.InboxMessage, r.AnsweredByEmail, r.MediaFileName)
	})
}

func (q queries) RetryAnswer(ctx context.Context, id int64, now time.Time) error {
	n, err := q.q.RetryAnswerOf(ctx, gen.RetryAnswerOfParams{Now: now, ID: id})
	return affected(q.d, n, err)
}

func (q queries) FinishAnswer(ctx context.Context, id int64, state string, tgMessageID int, code, reason string, now time.Time) (store.InboxMessage, error) {
	var out store.InboxMessage
	err := q.inTx(ctx, func(q queries) error {
		m, err := q.InboxMessageByID(ctx, id)
		if err != nil {
			return err
		}
		if tgMessageID != 0 {
			if err := q.q.DeleteShownAnswer(ctx, gen.DeleteShownAnswerParams{ConversationID: m.ConversationID,
				TgMessageID: int64(tgMessageID), ID: id}); err != nil {
				return mapErr(q.d, err)
			}
		}
		n, err := q.q.FinishAnswerOf(ctx, gen.FinishAnswerOfParams{State: state, TgMessageID: int64(tgMessageID), ErrorCode: code,
			Error: reason, Now: now, ID: id})
		if err := affected(q.d, n, err); err != nil {
			return err
		}
		if err := q.touchAnswered(ctx, id, now); err != nil {
			return err
		}
		out, err = q.InboxMessageByID(ctx, id)
		return err
	})
	return out, err
}

func (q queries) ReleaseAnswer(ctx context.Context, id int64, code, reason string, now time.Time) error {
	n, err := q.q.ReleaseAnswerOf(ctx, gen.ReleaseAnswerOfParams{ErrorCode: code, Error: reason, Now: now, ID: id})
	if err := affected(q.d, n, err); err != nil {
		return err
	}
	return q.touchAnswered(ctx, id, now)
}

func (q queries) NoteWaitingAnswers(ctx context.Context, accountID int64, code, reason string, now time.Time) error {
	return mapErr(q.d, q.q.NoteWaitingAnswersOf(ctx, gen.NoteWaitingAnswersOfParams{ErrorCode: code, Error: reason, Now: now,
		AccountID: accountID}))
}

func (q queries) AccountsWithAnswers(ctx context.Context) ([]store.AccountRef, error) {
	rs, err := q.q.AccountsWithAnswersToSend(ctx)
	return many(q.d, rs, err, func(r gen.AccountsWithAnswersToSendRow) store.AccountRef {
		return store.AccountRef{UserID: r.UserID, AccountID: r.AccountID}
	})
}

func (q queries) ConversationsChangedSince(ctx context.Context, userID int64, since time.Time) ([]store.ConversationChange, error) {
	rs, err := q.q.ConversationsChangedAfter(ctx, gen.ConversationsChangedAfterParams{UserID: userID, Since: since})
	return many(q.d, rs, err, func(r gen.ConversationsChangedAfterRow) store.ConversationChange {
		return store.ConversationChange{ID: r.ID, At: r.UpdatedAt.UTC()}
	})
}

func (q queries) AssignConversation(ctx context.Context, userID, id, assignee int64, now time.Time) (store.Conversation, error) {
	n, err := q.q.AssignConversationTo(ctx, gen.AssignConversationToParams{AssignedTo: nullID(assignee), Now: now, ID: id, UserID: userID})
	if err := affected(q.d, n, err); err != nil {
		return store.Conversation{}, err
	}
	return q.ConversationByID(ctx, userID, id)
}

func (q queries) AddNote(ctx context.Context, n store.Note) (store.Note, error) {
	var out store.Note
	err := q.inTx(ctx, func(q queries) error {
		if _, err := q.ConversationByID(ctx, n.UserID, n.ConversationID); err != nil {
			return err
		}
		id, err := q.q.InsertNote(ctx, gen.InsertNoteParams{ConversationID: n.ConversationID, UserID: n.UserID,
			AuthorID: nullID(n.AuthorID), Text: n.Text, CreatedAt: n.CreatedAt})
		if err != nil {
			return mapErr(q.d, err)
		}
		// The thread changed: live pages on other nodes look again.
		if err := q.q.TouchConversationAt(ctx, gen.TouchConversationAtParams{Now: n.CreatedAt, ID: n.ConversationID}); err != nil {
			return mapErr(q.d, err)
		}
		r, err := q.q.NoteOf(ctx, id)
		out = store.Note{ID: r.ConversationNote.ID, ConversationID: r.ConversationNote.ConversationID, UserID: r.ConversationNote.UserID,
			AuthorID: r.ConversationNote.AuthorID.Int64, AuthorEmail: r.AuthorEmail, Text: r.ConversationNote.Text,
			CreatedAt: r.ConversationNote.CreatedAt.UTC()}
		return mapErr(q.d, err)
	})
	return out, err
}

func (q queries) SetTyping(ctx context.Context, userID, conversationID, personID int64, at time.Time) error {
	return mapErr(q.d, q.q.SetTypingAt(ctx, gen.SetTypingAtParams{ConversationID: conversationID, PersonID: personID, UserID: userID, TypedAt: at}))
}

func (q queries) ClearTyping(ctx context.Context, conversationID, personID int64) error {
	return mapErr(q.d, q.q.ClearTypingOf(ctx, gen.ClearTypingOfParams{ConversationID: conversationID, PersonID: personID}))
}

func (q queries) Typing(ctx context.Context, conversationID int64, since time.Time) ([]store.Typist, error) {
	rs, err := q.q.TypistsSince(ctx, gen.TypistsSinceParams{ConversationID: conversationID, Since: since})
	return many(q.d, rs, err, func(r gen.TypistsSinceRow) store.Typist {
		return store.Typist{PersonID: r.PersonID, Email: r.Email, TypedAt: r.TypedAt.UTC()}
	})
}

// touchAnswered marks the conversation of an answer changed.
func (q queries) touchAnswered(ctx context.Context, messageID int64, now time.Time) error {
	return mapErr(q.d, q.q.TouchAnsweredConversation(ctx, gen.TouchAnsweredConversationParams{Now: now, MessageID: messageID}))
}

func (q queries) ConnectedAccounts(ctx context.Context) ([]store.AccountRef, error) {
	rs, err := q.q.ConnectedAccountRefs(ctx)
	return many(q.d, rs, err, func(r gen.ConnectedAccountRefsRow) store.AccountRef {
		return store.AccountRef{UserID: r.UserID, AccountID: r.ID}
	})
}

// entitiesJSON is how a message's entities are kept: ” for none.
func entitiesJSON(list []store.TextEntity) string {
	if len(list) == 0 {
		return ""
	}
	b, _ := json.Marshal(list) // plain fields: cannot fail
	return string(b)
}

// touchConversation moves a conversation's last message to the newest of
// its thread in thread order (m, unless history or a late update brought
// an older one), counts an incoming m unread, and reopens a done
// conversation the person wrote to again.
func (q queries) touchConversation(ctx context.Context, m store.InboxMessage, now time.Time) error {
	var unread int64
	if m.Direction == store.DirectionIn {
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
	return mapErr(q.d, q.q.TouchConversationLast(ctx, gen.TouchConversationLastParams{LastText: previewText(last),
		LastOut: last.Direction == store.DirectionOut, LastAt: last.SentAt, UnreadAdd: unread, Now: now, ID: m.ConversationID}))
}

// ListInboxMessages pages a thread newest first, in thread order (see
// NewestInboxMessages in queries/inbox.sql).
func (q queries) ListInboxMessages(ctx context.Context, conversationID int64, before store.InboxMessageCursor, limit int) ([]store.InboxMessage, error) {
	if limit <= 0 {
		limit = 50
	}
	if before.ID == 0 {
		rs, err := q.q.NewestInboxMessages(ctx, gen.NewestInboxMessagesParams{ConversationID: conversationID, MaxRows: int64(limit)})
		return inboxMessageRows(q, rs, err)
	}
	rs, err := q.q.InboxMessagesBefore(ctx, gen.InboxMessagesBeforeParams{ConversationID: conversationID, BeforeAt: before.At,
		BeforeOrd: before.Ord, BeforeID: before.ID, MaxRows: int64(limit)})
	return inboxMessageRows(q, rs, err)
}

// inboxMessageRow is any of the generated rows of a message with its
// answerer's email and its answer file's name (alike field for field).
type inboxMessageRow interface {
	gen.NewestInboxMessagesRow | gen.InboxMessagesBeforeRow
}

func inboxMessageRows[R inboxMessageRow](q queries, rs []R, err error) ([]store.InboxMessage, error) {
	if err != nil {
		return nil, mapErr(q.d, err)
	}
	out := make([]store.InboxMessage, 0, len(rs))
	for _, r := range rs {
		row := gen.NewestInboxMessagesRow(r)
		m, err := toInboxMessage(row.InboxMessage, row.AnsweredByEmail, row.MediaFileName)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}
