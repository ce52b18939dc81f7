package inbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/usertext"
)

// The inbox of a team: a conversation is assigned to a member or to
// nobody, members leave notes in a thread that only they read, and each
// sees who else is typing an answer there.

// Assigned filters of the list.
const (
	AssignedAll        = ""
	AssignedMine       = "mine"
	AssignedUnassigned = "unassigned"
)

// TypingFor is how long a keystroke says someone is replying: a person
// who stops typing for this long is no longer shown as replying.
const TypingFor = 10 * time.Second

// maxNoteLength is a note's limit in characters, a message's.
const maxNoteLength = 4096

var (
	errNotMember = &apperr.Error{Code: "not_a_member", Message: "That person is not a member of this workspace who can answer",
		Hint:  "Assign the conversation to an operator, admin or owner of this workspace (see Members), or to nobody.",
		Field: "user_id", Status: http.StatusUnprocessableEntity}
	errEmptyNote = &apperr.Error{Code: apperr.CodeValidation, Message: "Write the note first",
		Hint: "The note is empty.", Field: "text", Status: http.StatusUnprocessableEntity}
	errNoteTooLong = &apperr.Error{Code: apperr.CodeValidation, Message: "The note is too long",
		Hint: "A note holds at most 4,096 characters; shorten it or write two.", Field: "text", Status: http.StatusUnprocessableEntity}
	errNoPerson = &apperr.Error{Code: apperr.CodeValidation, Message: `"Mine" needs a signed-in person`,
		Hint: "Filter by assigned=unassigned or by nothing, or call as a member.", Field: "assigned", Status: http.StatusUnprocessableEntity}
)

// Note is an internal note of a conversation.
type Note struct {
	store.Note
}

// Author is how the thread names the note's author.
func (n Note) Author() string {
	if n.AuthorEmail == "" {
		return "a former member"
	}
	return n.AuthorEmail
}

// NotePage is a page of a conversation's notes, newest first; Next is
// the cursor of the older page, "" when there is none.
type NotePage struct {
	Notes []Note
	Next  string
}

// Assign assigns the conversation to a member of the workspace who can
// answer (operator or above), or to nobody (assignee 0). Anyone who may
// answer may assign, to themselves or to another member. Assigning
// someone who is not such a member is refused and changes nothing.
func (s *Service) Assign(ctx context.Context, userID, id, assignee int64) (Conversation, error) {
	if err := actor.Require(ctx, actor.Operator); err != nil {
		return Conversation{}, err
	}
	c, err := s.conversation(ctx, userID, id)
	if err != nil {
		return Conversation{}, err
	}
	label := "nobody"
	if assignee != 0 {
		m, err := s.st.Membership(ctx, userID, assignee)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return Conversation{}, errNotMember
		case err != nil:
			return Conversation{}, fmt.Errorf("member %d of workspace %d: %w", assignee, userID, err)
		case !actor.Role(m.Role).AtLeast(actor.Operator):
			return Conversation{}, errNotMember
		}
		u, err := s.st.UserByID(ctx, assignee)
		if err != nil {
			return Conversation{}, fmt.Errorf("member %d: %w", assignee, err)
		}
		label = u.Email
	}
	if c.AssignedTo == assignee {
		return conversationOf(c), nil
	}
	var out store.Conversation
	err = s.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		if out, err = tx.AssignConversation(ctx, userID, id, assignee, s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), userID, audit.ActorFrom(ctx), audit.Event{
			Action: audit.ConversationAssigned, TargetKind: audit.TargetChat, TargetID: c.ID, TargetLabel: peerName(c),
			Detail: "Assigned to " + label,
		})
	})
	if errors.Is(err, store.ErrNotFound) {
		return Conversation{}, errNotFound
	}
	if err != nil {
		return Conversation{}, fmt.Errorf("assign conversation %d: %w", id, err)
	}
	s.publish(Event{Kind: EventConversation, UserID: userID, AccountID: c.AccountID, ConversationID: id})
	return conversationOf(out), nil
}

// AddNote writes an internal note to the thread, signed by the acting
// member. A note is the team's: it never goes to Telegram.
func (s *Service) AddNote(ctx context.Context, userID, id int64, text string) (Note, error) {
	if err := actor.Require(ctx, actor.Operator); err != nil {
		return Note{}, err
	}
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return Note{}, errEmptyNote
	case utf8.RuneCountInString(text) > maxNoteLength:
		return Note{}, errNoteTooLong
	}
	if err := usertext.CheckNUL("text", text); err != nil {
		return Note{}, err
	}
	if !utf8.ValidString(text) {
		return Note{}, &apperr.Error{Code: apperr.CodeValidation, Message: "The note is not valid UTF-8 text",
			Hint: "Send the note as UTF-8.", Field: "text", Status: http.StatusUnprocessableEntity}
	}
	a, _ := actor.From(ctx)
	n, err := s.st.AddNote(ctx, store.Note{ConversationID: id, UserID: userID, AuthorID: a.UserID, Text: text, CreatedAt: s.now()})
	if errors.Is(err, store.ErrNotFound) {
		return Note{}, errNotFound
	}
	if err != nil {
		return Note{}, fmt.Errorf("note on conversation %d: %w", id, err)
	}
	s.publish(Event{Kind: EventConversation, UserID: userID, ConversationID: id})
	return Note{n}, nil
}

// Notes is a page of a conversation's notes, newest first.
func (s *Service) Notes(ctx context.Context, userID, id int64, cursor string, limit int) (NotePage, error) {
	if _, err := s.conversation(ctx, userID, id); err != nil {
		return NotePage{}, err
	}
	switch {
	case limit == 0:
		limit = DefaultLimit
	case limit < 0 || limit > MaxLimit:
		return NotePage{}, errBadFilter("limit", fmt.Sprintf("limit must be between 1 and %d", MaxLimit))
	}
	var before int64
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || n <= 0 {
			return NotePage{}, errBadCursor
		}
		before = n
	}
	rows, err := s.st.ConversationNotes(ctx, id, before, limit)
	if err != nil {
		return NotePage{}, fmt.Errorf("conversation %d notes: %w", id, err)
	}
	out := NotePage{Notes: make([]Note, 0, len(rows))}
	for _, n := range rows {
		out.Notes = append(out.Notes, Note{n})
	}
	if len(rows) == limit {
		out.Next = itoa(rows[len(rows)-1].ID)
	}
	return out, nil
}

// Typing tells the other members viewing the conversation that the acting
// member is writing an answer, for TypingFor. Kept in the database, so
// the pages of every node see it.
func (s *Service) Typing(ctx context.Context, userID, id int64) error {
	if err := actor.Require(ctx, actor.Operator); err != nil {
		return err
	}
	a, ok := actor.From(ctx)
	if !ok {
		return nil // no person types
	}
	c, err := s.conversation(ctx, userID, id)
	if err != nil {
		return err
	}
	if err := s.st.SetTyping(ctx, userID, id, a.UserID, s.now()); err != nil {
		return fmt.Errorf("typing in conversation %d: %w", id, err)
	}
	s.publish(Event{Kind: EventTyping, UserID: userID, AccountID: c.AccountID, ConversationID: id})
	return nil
}

// Replying lists the members other than except who typed an answer in the
// conversation within TypingFor.
func (s *Service) Replying(ctx context.Context, id, except int64) ([]store.Typist, error) {
	list, err := s.st.Typing(ctx, id, s.now().Add(-TypingFor))
	if err != nil {
		return nil, fmt.Errorf("typing in conversation %d: %w", id, err)
	}
	out := list[:0]
	for _, t := range list {
		if t.PersonID != except {
			out = append(out, t)
		}
	}
	return out, nil
}

// assignedFilter turns the list's assigned filter into the store's.
func assignedFilter(ctx context.Context, assigned string, sf *store.ConversationFilter) error {
	switch assigned {
	case AssignedAll:
	case AssignedUnassigned:
		sf.Unassigned = true
	case AssignedMine:
		a, ok := actor.From(ctx)
		if !ok || a.UserID == 0 {
			return errNoPerson
		}
		sf.AssignedTo = a.UserID
	default:
		return errBadFilter("assigned", "assigned must be mine or unassigned")
	}
	return nil
}

// Assignees lists the workspace's members a conversation can be assigned
// to: those who may answer (operator and above).
func (s *Service) Assignees(ctx context.Context, userID int64) ([]store.WorkspaceMember, error) {
	all, err := s.st.WorkspaceMembers(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("members of workspace %d: %w", userID, err)
	}
	out := all[:0]
	for _, m := range all {
		if actor.Role(m.Role).AtLeast(actor.Operator) {
			out = append(out, m)
		}
	}
	return out, nil
}
