package inbox

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/store"
)

// Page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// List is one page of the user's conversations, newest first.
func (s *Service) List(ctx context.Context, userID int64, f Filter) (Page, error) {
	sf, err := f.store()
	if err != nil {
		return Page{}, err
	}
	if err := assignedFilter(ctx, f.Assigned, &sf); err != nil {
		return Page{}, err
	}
	rows, err := s.st.ListConversations(ctx, userID, sf)
	if err != nil {
		return Page{}, fmt.Errorf("list conversations: %w", err)
	}
	out := Page{Conversations: make([]Conversation, 0, len(rows))}
	for _, c := range rows {
		out.Conversations = append(out.Conversations, conversationOf(c))
	}
	if len(rows) == sf.Limit {
		last := rows[len(rows)-1]
		out.Next = encodeCursor(last.LastMessageAt, itoa(last.ID))
	}
	return out, nil
}

// store checks the filter and turns it into the store's.
func (f Filter) store() (store.ConversationFilter, error) {
	sf := store.ConversationFilter{AccountID: f.AccountID, CampaignID: f.CampaignID, Unread: f.Unread,
		Search: strings.TrimSpace(f.Search), Limit: f.Limit}
	switch f.Status {
	case "", store.ConversationOpen, store.ConversationDone:
		sf.Status = f.Status
	default:
		return sf, errBadFilter("status", "status must be open or done")
	}
	if f.AccountID < 0 || f.CampaignID < 0 {
		return sf, errBadFilter("account_id", "account and campaign ids are positive numbers")
	}
	if !utf8.ValidString(sf.Search) || utf8.RuneCountInString(sf.Search) > 100 {
		return sf, errBadFilter("q", "the search is text of at most 100 characters")
	}
	switch {
	case sf.Limit == 0:
		sf.Limit = DefaultLimit
	case sf.Limit < 0 || sf.Limit > MaxLimit:
		return sf, errBadFilter("limit", fmt.Sprintf("limit must be between 1 and %d", MaxLimit))
	}
	if f.Cursor != "" {
		at, rest, ok := decodeCursor(f.Cursor)
		id, err := strconv.ParseInt(rest, 10, 64)
		if !ok || err != nil || id <= 0 {
			return sf, errBadCursor
		}
		sf.After = store.ConversationCursor{At: at, ID: id}
	}
	return sf, nil
}

// A cursor is the last row's time and what orders rows of the same time
// ("id" in the list, "ord.id" in a thread), opaque to clients.
func encodeCursor(at time.Time, rest string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UTC().UnixMicro(), 10) + "." + rest))
}

func decodeCursor(c string) (time.Time, string, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", false
	}
	at, rest, ok := strings.Cut(string(raw), ".")
	if !ok {
		return time.Time{}, "", false
	}
	us, err := strconv.ParseInt(at, 10, 64)
	if err != nil {
		return time.Time{}, "", false
	}
	return time.UnixMicro(us).UTC(), rest, true
}

// Get is one of the user's conversations; another user's is not_found.
func (s *Service) Get(ctx context.Context, userID, id int64) (Conversation, error) {
	c, err := s.conversation(ctx, userID, id)
	if err != nil {
		return Conversation{}, err
	}
	return conversationOf(c), nil
}

func (s *Service) conversation(ctx context.Context, userID, id int64) (store.Conversation, error) {
	c, err := s.st.ConversationByID(ctx, userID, id)
	if errors.Is(err, store.ErrNotFound) {
		return c, errNotFound
	}
	if err != nil {
		return c, fmt.Errorf("conversation %d: %w", id, err)
	}
	return c, nil
}

// Open is what reading a conversation does: the first time, its history
// is loaded from Telegram; then it is marked read. A history that cannot
// be loaded now (the account is limited, Telegram is away) is tried again
// next time, and the thread shows what the inbox has.
func (s *Service) Open(ctx context.Context, userID, id int64) (Conversation, error) {
	c, err := s.conversation(ctx, userID, id)
	if err != nil {
		return Conversation{}, err
	}
	if !c.HistoryLoaded {
		if err := s.LoadHistory(ctx, c); err != nil {
			s.log.Warn("conversation history not loaded", "conversation", c.ID, "account", c.AccountID, "err", err)
		}
	}
	if err := s.MarkRead(ctx, userID, id); err != nil {
		return Conversation{}, err
	}
	return s.Get(ctx, userID, id)
}

// Messages is a page of a conversation's thread, newest first.
func (s *Service) Messages(ctx context.Context, userID, id int64, cursor string, limit int) (MessagePage, error) {
	if _, err := s.conversation(ctx, userID, id); err != nil {
		return MessagePage{}, err
	}
	switch {
	case limit == 0:
		limit = DefaultLimit
	case limit < 0 || limit > MaxLimit:
		return MessagePage{}, errBadFilter("limit", fmt.Sprintf("limit must be between 1 and %d", MaxLimit))
	}
	var before store.InboxMessageCursor
	if cursor != "" {
		at, rest, ok := decodeCursor(cursor)
		ord, mid, ok2 := strings.Cut(rest, ".")
		o, err1 := strconv.ParseInt(ord, 10, 64)
		n, err2 := strconv.ParseInt(mid, 10, 64)
		if !ok || !ok2 || err1 != nil || err2 != nil || n <= 0 {
			return MessagePage{}, errBadCursor
		}
		before = store.InboxMessageCursor{At: at, Ord: o, ID: n}
	}
	rows, err := s.st.ListInboxMessages(ctx, id, before, limit)
	if err != nil {
		return MessagePage{}, fmt.Errorf("conversation %d messages: %w", id, err)
	}
	out := MessagePage{Messages: make([]Message, 0, len(rows))}
	for _, m := range rows {
		out.Messages = append(out.Messages, Message{m})
	}
	if len(rows) == limit {
		last := rows[len(rows)-1]
		out.Next = encodeCursor(last.SentAt, itoa(last.Ord())+"."+itoa(last.ID))
	}
	return out, nil
}

// MarkRead marks the conversation read in the product and, with
// Options.ReadOnTelegram, on Telegram (in the background: reading never
// waits for Telegram).
func (s *Service) MarkRead(ctx context.Context, userID, id int64) error {
	c, err := s.conversation(ctx, userID, id)
	if err != nil {
		return err
	}
	if c.Unread == 0 {
		return nil
	}
	if err := s.st.MarkConversationRead(ctx, userID, id, s.now()); err != nil {
		return fmt.Errorf("mark conversation %d read: %w", id, err)
	}
	s.publish(Event{Kind: EventConversation, UserID: userID, AccountID: c.AccountID, ConversationID: id})
	if s.o.ReadOnTelegram {
		go s.readOnTelegram(context.WithoutCancel(ctx), c)
	}
	return nil
}

// Done marks a conversation done; a new message from the person reopens it.
func (s *Service) Done(ctx context.Context, userID, id int64) (Conversation, error) {
	if err := actor.Require(ctx, actor.Operator); err != nil {
		return Conversation{}, err
	}
	return s.setStatus(ctx, userID, id, store.ConversationDone)
}

// Reopen marks a done conversation open again.
func (s *Service) Reopen(ctx context.Context, userID, id int64) (Conversation, error) {
	if err := actor.Require(ctx, actor.Operator); err != nil {
		return Conversation{}, err
	}
	return s.setStatus(ctx, userID, id, store.ConversationOpen)
}

func (s *Service) setStatus(ctx context.Context, userID, id int64, status string) (Conversation, error) {
	c, err := s.st.SetConversationStatus(ctx, userID, id, status, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return Conversation{}, errNotFound
	}
	if err != nil {
		return Conversation{}, fmt.Errorf("conversation %d %s: %w", id, status, err)
	}
	s.publish(Event{Kind: EventConversation, UserID: userID, AccountID: c.AccountID, ConversationID: id})
	return s.Get(ctx, userID, id)
}

// UnreadCount counts the user's conversations with unread messages (the
// navigation badge and the dashboard).
func (s *Service) UnreadCount(ctx context.Context, userID int64) (int, error) {
	n, err := s.st.CountUnreadConversations(ctx, userID)
	if err != nil {
		return 0, fmt.Errorf("unread conversations: %w", err)
	}
	return n, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// mediaLabel is "Photo", "Video, 3.4 MB", … for a media message.
func mediaLabel(kind string, size int64) string {
	if kind == "" {
		return ""
	}
	label := strings.ToUpper(kind[:1]) + strings.ReplaceAll(kind[1:], "_", " ")
	if size > 0 {
		label += ", " + formatSize(size)
	}
	return label
}

func formatSize(n int64) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + " GB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 0, 64) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}
