package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestInboxTeam: a conversation is assigned to a person and back to
// nobody, the list's "mine" and "unassigned" filters page like the
// others, answers keep who wrote them, notes stay in their own table in
// the thread's workspace, and typing is a presence that ages.
func TestInboxTeam(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann, bea := mustUser(t, s, "ann@example.com"), mustUser(t, s, "bea@example.com")
		acct, err := s.CreateAccount(ctx, ann.ID, login(1, "9996620001"))
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for i := range 6 {
			c, _, err := s.UpsertConversation(ctx, store.ConversationPeer{UserID: ann.ID, AccountID: acct.ID, TGUserID: int64(700 + i), AccessHash: 1, Now: t0})
			if err != nil {
				t.Fatal(err)
			}
			at := t0.Add(time.Duration(i) * time.Minute)
			if _, _, err := s.AddInboxMessage(ctx, store.InboxMessage{ConversationID: c.ID, UserID: ann.ID, AccountID: acct.ID,
				TGMessageID: 1, Direction: store.DirectionIn, Origin: store.OriginPerson, Text: "hi", SentAt: at, CreatedAt: at}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		// 0 and 3 to ann, 4 to bea, the rest unassigned.
		for i, who := range map[int]int64{0: ann.ID, 3: ann.ID, 4: bea.ID} {
			c, err := s.AssignConversation(ctx, ann.ID, ids[i], who, t0.Add(time.Hour))
			if err != nil || c.AssignedTo != who {
				t.Fatalf("assign %d to %d: %+v %v", i, who, c, err)
			}
		}
		if c, err := s.ConversationByID(ctx, ann.ID, ids[4]); err != nil || c.AssignedTo != bea.ID || c.AssignedEmail != "bea@example.com" {
			t.Errorf("assigned conversation reads %d %q %v", c.AssignedTo, c.AssignedEmail, err)
		}
		if _, err := s.AssignConversation(ctx, bea.ID, ids[1], bea.ID, t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("assigning another workspace's conversation: %v", err)
		}
		list := func(f store.ConversationFilter) []int64 {
			t.Helper()
			f.Limit = 2
			var out []int64
			for range 10 {
				page, err := s.ListConversations(ctx, ann.ID, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range page {
					out = append(out, c.ID)
				}
				if len(page) < f.Limit {
					break
				}
				last := page[len(page)-1]
				f.After = store.ConversationCursor{At: last.LastMessageAt, ID: last.ID}
			}
			return out
		}
		if got, want := list(store.ConversationFilter{AssignedTo: ann.ID}), []int64{ids[3], ids[0]}; !equalIDs(got, want) {
			t.Errorf("mine: %v, want %v", got, want)
		}
		if got, want := list(store.ConversationFilter{Unassigned: true}), []int64{ids[5], ids[2], ids[1]}; !equalIDs(got, want) {
			t.Errorf("unassigned: %v, want %v", got, want)
		}
		if c, err := s.AssignConversation(ctx, ann.ID, ids[4], 0, t0.Add(time.Hour)); err != nil || c.AssignedTo != 0 || c.AssignedEmail != "" {
			t.Fatalf("unassign: %+v %v", c, err)
		}
		if got := list(store.ConversationFilter{Unassigned: true}); len(got) != 4 {
			t.Errorf("unassigned after unassigning: %v", got)
		}

		a, err := s.CreateAnswer(ctx, store.NewAnswer{UserID: ann.ID, ConversationID: ids[0], Text: "From Bea", RandomID: 5, AnsweredBy: bea.ID, Now: t0.Add(time.Hour)})
		if err != nil || a.AnsweredBy != bea.ID || a.AnsweredByEmail != "bea@example.com" {
			t.Fatalf("answer by bea: %+v %v", a, err)
		}
		thread, err := s.ListInboxMessages(ctx, ids[0], store.InboxMessageCursor{}, 10)
		if err != nil || len(thread) != 2 || thread[0].AnsweredByEmail != "bea@example.com" || thread[1].AnsweredBy != 0 {
			t.Errorf("thread: %+v %v", thread, err)
		}

		before, err := s.ListInboxMessages(ctx, ids[1], store.InboxMessageCursor{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		n1, err := s.AddNote(ctx, store.Note{ConversationID: ids[1], UserID: ann.ID, AuthorID: bea.ID, Text: "VIP, be nice", CreatedAt: t0.Add(2 * time.Hour)})
		if err != nil || n1.AuthorEmail != "bea@example.com" || n1.Text != "VIP, be nice" || !n1.CreatedAt.Equal(t0.Add(2*time.Hour).Truncate(time.Microsecond)) {
			t.Fatalf("note: %+v %v", n1, err)
		}
		n2, err := s.AddNote(ctx, store.Note{ConversationID: ids[1], UserID: ann.ID, AuthorID: ann.ID, Text: "Noted", CreatedAt: t0.Add(3 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddNote(ctx, store.Note{ConversationID: ids[1], UserID: bea.ID, AuthorID: bea.ID, Text: "x", CreatedAt: t0}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a note in another workspace's conversation: %v", err)
		}
		notes, err := s.ConversationNotes(ctx, ids[1], 0, 10)
		if err != nil || len(notes) != 2 || notes[0].ID != n2.ID || notes[1].ID != n1.ID {
			t.Errorf("notes: %+v %v", notes, err)
		}
		if older, err := s.ConversationNotes(ctx, ids[1], n2.ID, 10); err != nil || len(older) != 1 || older[0].ID != n1.ID {
			t.Errorf("notes before %d: %+v %v", n2.ID, older, err)
		}
		// A note is no message: the thread, its outbox and its last message
		// are as they were.
		after, err := s.ListInboxMessages(ctx, ids[1], store.InboxMessageCursor{}, 10)
		if err != nil || len(after) != len(before) {
			t.Errorf("thread after notes: %+v %v", after, err)
		}
		if refs, err := s.AccountsWithAnswers(ctx); err != nil || len(refs) != 1 {
			t.Errorf("accounts with answers after notes: %v %v", refs, err)
		}
		if c, err := s.ConversationByID(ctx, ann.ID, ids[1]); err != nil || c.LastMessageText != "hi" {
			t.Errorf("last message after notes: %q %v", c.LastMessageText, err)
		}

		// A member who leaves the workspace leaves their conversations
		// unassigned; another member's stay theirs.
		if err := s.AddWorkspaceMember(ctx, ann.ID, bea.ID, "operator", t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AssignConversation(ctx, ann.ID, ids[5], bea.ID, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.RemoveWorkspaceMember(ctx, ann.ID, bea.ID); err != nil {
			t.Fatal(err)
		}
		if c, err := s.ConversationByID(ctx, ann.ID, ids[5]); err != nil || c.AssignedTo != 0 {
			t.Errorf("bea's conversation after she left: assigned to %d %v", c.AssignedTo, err)
		}
		if c, err := s.ConversationByID(ctx, ann.ID, ids[0]); err != nil || c.AssignedTo != ann.ID {
			t.Errorf("ann's conversation after bea left: assigned to %d %v", c.AssignedTo, err)
		}

		if err := s.SetTyping(ctx, ann.ID, ids[0], bea.ID, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.SetTyping(ctx, ann.ID, ids[0], bea.ID, t0.Add(20*time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := s.SetTyping(ctx, ann.ID, ids[0], ann.ID, t0.Add(5*time.Second)); err != nil {
			t.Fatal(err)
		}
		typing, err := s.Typing(ctx, ids[0], t0.Add(10*time.Second))
		if err != nil || len(typing) != 1 || typing[0].PersonID != bea.ID || typing[0].Email != "bea@example.com" || !typing[0].TypedAt.Equal(t0.Add(20*time.Second).Truncate(time.Microsecond)) {
			t.Errorf("typing after 10s: %+v %v", typing, err)
		}
		if err := s.ClearTyping(ctx, ids[0], bea.ID); err != nil {
			t.Fatal(err)
		}
		if typing, err := s.Typing(ctx, ids[0], t0); err != nil || len(typing) != 1 || typing[0].PersonID != ann.ID {
			t.Errorf("typing after bea's is cleared: %+v %v", typing, err)
		}
	})
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
