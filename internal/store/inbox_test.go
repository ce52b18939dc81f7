package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestInboxList: conversations are one per account and person, listed
// newest first in keyset pages that neither skip nor repeat a row, with
// each filter and the search; another user sees none of them.
func TestInboxList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann, bea := mustUser(t, s, "ann@example.com"), mustUser(t, s, "bea@example.com")
		a1, err := s.CreateAccount(ctx, ann.ID, login(1, "9996620001"))
		if err != nil {
			t.Fatal(err)
		}
		a2, err := s.CreateAccount(ctx, ann.ID, login(2, "9996620002"))
		if err != nil {
			t.Fatal(err)
		}
		camp := newCampaign(t, s, ann.ID, a1.ID)
		// 25 conversations; every third on a2, the first five from the
		// campaign; several share a last-message time, so the cursor's id
		// breaks ties.
		var ids []int64
		for i := range 25 {
			acct := a1.ID
			if i%3 == 2 {
				acct = a2.ID
			}
			p := store.ConversationPeer{UserID: ann.ID, AccountID: acct, TGUserID: int64(500 + i), AccessHash: int64(9000 + i),
				FirstName: fmt.Sprintf("Person%02d", i), Username: fmt.Sprintf("p_%d", i), Now: t0}
			if i < 5 {
				p.CampaignID = camp.ID
			}
			c, created, err := s.UpsertConversation(ctx, p)
			if err != nil || !created {
				t.Fatalf("upsert %d: %v %v", i, created, err)
			}
			at := t0.Add(time.Duration(i/2) * time.Minute)
			if _, _, err := s.AddInboxMessage(ctx, store.InboxMessage{ConversationID: c.ID, UserID: ann.ID, AccountID: acct,
				TGMessageID: 1, Direction: store.DirectionIn, Origin: store.OriginPerson, Text: fmt.Sprintf("hello number %d", i),
				SentAt: at, CreatedAt: at}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		again, created, err := s.UpsertConversation(ctx, store.ConversationPeer{UserID: ann.ID, AccountID: a1.ID, TGUserID: 500, Now: t0})
		if err != nil || created || again.ID != ids[0] || again.FirstName != "Person00" || again.AccessHash != 9000 || again.CampaignID != camp.ID {
			t.Fatalf("second upsert of the same person: %+v created=%v %v", again, created, err)
		}
		if again.CampaignName != "Spring" {
			t.Errorf("campaign name %q", again.CampaignName)
		}

		pages := func(f store.ConversationFilter) []int64 {
			t.Helper()
			var out []int64
			f.Limit = 4
			for range 20 {
				page, err := s.ListConversations(ctx, ann.ID, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range page {
					out = append(out, c.ID)
				}
				if len(page) < f.Limit {
					return out
				}
				last := page[len(page)-1]
				f.After = store.ConversationCursor{At: last.LastMessageAt, ID: last.ID}
			}
			t.Fatal("paging did not end")
			return nil
		}
		all := pages(store.ConversationFilter{})
		if len(all) != 25 {
			t.Fatalf("listed %d conversations in pages, want 25: %v", len(all), all)
		}
		for i, id := range all {
			// Newest first: conversation 24 (minute 12), then 23 and 22
			// (minute 11, higher id first), …
			if want := ids[24-i]; id != want {
				t.Fatalf("position %d: conversation %d, want %d (%v)", i, id, want, all)
			}
		}
		if got := pages(store.ConversationFilter{AccountID: a2.ID}); len(got) != 8 {
			t.Errorf("account filter: %d conversations, want 8", len(got))
		}
		if got := pages(store.ConversationFilter{CampaignID: camp.ID}); len(got) != 5 {
			t.Errorf("campaign filter: %d, want 5", len(got))
		}
		if got := pages(store.ConversationFilter{Search: "PERSON1"}); len(got) != 10 {
			t.Errorf("name search: %d, want 10", len(got))
		}
		if got := pages(store.ConversationFilter{Search: "number 7"}); len(got) != 1 || got[0] != ids[7] {
			t.Errorf("text search: %v, want [%d]", got, ids[7])
		}
		if got := pages(store.ConversationFilter{Search: "100%"}); len(got) != 0 {
			t.Errorf("a %% in the search is a wildcard: %v", got)
		}

		if n, err := s.CountUnreadConversations(ctx, ann.ID); err != nil || n != 25 {
			t.Errorf("unread: %d %v", n, err)
		}
		if err := s.MarkConversationRead(ctx, ann.ID, ids[3], t0); err != nil {
			t.Fatal(err)
		}
		if got := pages(store.ConversationFilter{Unread: true}); len(got) != 24 {
			t.Errorf("unread filter: %d, want 24", len(got))
		}
		if _, err := s.SetConversationStatus(ctx, ann.ID, ids[4], store.ConversationDone, t0); err != nil {
			t.Fatal(err)
		}
		if got := pages(store.ConversationFilter{Status: store.ConversationDone}); len(got) != 1 || got[0] != ids[4] {
			t.Errorf("done filter: %v", got)
		}
		if got := pages(store.ConversationFilter{Status: store.ConversationOpen, AccountID: a1.ID, Unread: true}); len(got) != 15 {
			t.Errorf("open, unread, account 1: %d, want 15", len(got))
		}

		if _, err := s.ConversationByID(ctx, bea.ID, ids[0]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bea reads ann's conversation: %v", err)
		}
		if err := s.MarkConversationRead(ctx, bea.ID, ids[0], t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bea marks ann's conversation read: %v", err)
		}
		if _, err := s.SetConversationStatus(ctx, bea.ID, ids[0], store.ConversationDone, t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bea marks ann's conversation done: %v", err)
		}
		if list, err := s.ListConversations(ctx, bea.ID, store.ConversationFilter{}); err != nil || len(list) != 0 {
			t.Errorf("bea lists %d of ann's conversations: %v", len(list), err)
		}
	})
}

// TestInboxMessages: a message is stored once by its Telegram id, moves
// its conversation's last message only forward, counts unread when
// incoming, and reopens a done conversation; threads page newest first.
func TestInboxMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@example.com")
		a1, err := s.CreateAccount(ctx, ann.ID, login(1, "9996620001"))
		if err != nil {
			t.Fatal(err)
		}
		c, _, err := s.UpsertConversation(ctx, store.ConversationPeer{UserID: ann.ID, AccountID: a1.ID, TGUserID: 77, Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		add := func(id int, dir, text string, at time.Time) bool {
			t.Helper()
			_, added, err := s.AddInboxMessage(ctx, store.InboxMessage{ConversationID: c.ID, UserID: ann.ID, AccountID: a1.ID,
				TGMessageID: id, Direction: dir, Origin: map[string]string{store.DirectionIn: store.OriginPerson, store.DirectionOut: store.OriginApp}[dir],
				Text: text, SentAt: at, CreatedAt: t0})
			if err != nil {
				t.Fatal(err)
			}
			return added
		}
		if !add(10, store.DirectionIn, "hi", t0.Add(time.Minute)) || add(10, store.DirectionIn, "hi", t0.Add(time.Minute)) {
			t.Fatal("a message was not stored exactly once")
		}
		add(11, store.DirectionOut, "hello back", t0.Add(2*time.Minute))
		add(5, store.DirectionIn, "older, from the history", t0)
		if _, err := s.SetConversationStatus(ctx, ann.ID, c.ID, store.ConversationDone, t0); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.AddInboxMessage(ctx, store.InboxMessage{ConversationID: c.ID, UserID: ann.ID, AccountID: a1.ID, TGMessageID: 12,
			Direction: store.DirectionIn, Origin: store.OriginPerson, MediaType: "photo", MediaSize: 2048, SentAt: t0.Add(3 * time.Minute), CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		c, err = s.ConversationByID(ctx, ann.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Unread != 3 || c.Status != store.ConversationOpen || c.LastMessageText != "[photo]" || c.LastMessageOut ||
			!c.LastMessageAt.Equal(t0.Add(3*time.Minute).Truncate(time.Microsecond)) {
			t.Errorf("conversation after four messages: %+v", c)
		}
		var texts []string
		var before store.InboxMessageCursor
		for {
			page, err := s.ListInboxMessages(ctx, c.ID, before, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range page {
				texts = append(texts, fmt.Sprintf("%d:%s%s", m.TGMessageID, m.Text, m.MediaType))
			}
			if len(page) < 2 {
				break
			}
			before = store.InboxMessageCursor{At: page[1].SentAt, Ord: page[1].Ord(), ID: page[1].ID}
		}
		if got := fmt.Sprint(texts); got != "[12:photo 11:hello back 10:hi 5:older, from the history]" {
			t.Errorf("thread %s", got)
		}
	})
}

// TestInboxAnswers: an answer is pending with its random_id, claimed
// once, left mid-send it is listed again, and once sent it replaces the
// copy of itself an update stored first.
func TestInboxAnswers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann, bea := mustUser(t, s, "ann@example.com"), mustUser(t, s, "bea@example.com")
		a1, err := s.CreateAccount(ctx, ann.ID, login(1, "9996620001"))
		if err != nil {
			t.Fatal(err)
		}
		c, _, err := s.UpsertConversation(ctx, store.ConversationPeer{UserID: ann.ID, AccountID: a1.ID, TGUserID: 77, AccessHash: 7, Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateAnswer(ctx, store.NewAnswer{UserID: bea.ID, ConversationID: c.ID, Text: "x", RandomID: 1, Now: t0}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bea answers in ann's conversation: %v", err)
		}
		a, err := s.CreateAnswer(ctx, store.NewAnswer{UserID: ann.ID, ConversationID: c.ID, Text: "On my way", RandomID: 4242, Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		if a.State != store.AnswerPending || a.RandomID != 4242 || a.Origin != store.OriginAnswer || a.Direction != store.DirectionOut {
			t.Fatalf("answer %+v", a)
		}
		if refs, err := s.AccountsWithAnswers(ctx); err != nil || len(refs) != 1 || refs[0].AccountID != a1.ID || refs[0].UserID != ann.ID {
			t.Errorf("accounts with answers: %v %v", refs, err)
		}
		next, err := s.NextPendingAnswer(ctx, a1.ID)
		if err != nil || next.ID != a.ID {
			t.Fatalf("next pending: %+v %v", next, err)
		}
		if err := s.ClaimAnswer(ctx, a.ID, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.ClaimAnswer(ctx, a.ID, t0); !errors.Is(err, store.ErrConflict) {
			t.Errorf("claimed twice: %v", err)
		}
		if _, err := s.NextPendingAnswer(ctx, a1.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a claimed answer is still pending: %v", err)
		}
		left, err := s.SendingAnswers(ctx, a1.ID)
		if err != nil || len(left) != 1 || left[0].ID != a.ID || left[0].Attempts != 1 {
			t.Fatalf("mid-send: %+v %v", left, err)
		}
		// The sent message came back in an update before its answer was
		// recorded.
		if _, _, err := s.AddInboxMessage(ctx, store.InboxMessage{ConversationID: c.ID, UserID: ann.ID, AccountID: a1.ID, TGMessageID: 31,
			Direction: store.DirectionOut, Origin: store.OriginApp, Text: "On my way", SentAt: t0, CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		got, err := s.FinishAnswer(ctx, a.ID, store.AnswerSent, 31, "", "", t0)
		if err != nil || got.State != store.AnswerSent || got.TGMessageID != 31 {
			t.Fatalf("finish: %+v %v", got, err)
		}
		thread, err := s.ListInboxMessages(ctx, c.ID, store.InboxMessageCursor{}, 10)
		if err != nil || len(thread) != 1 || thread[0].ID != a.ID {
			t.Errorf("thread after the answer: %+v %v", thread, err)
		}
		if refs, err := s.AccountsWithAnswers(ctx); err != nil || len(refs) != 0 {
			t.Errorf("accounts with answers after sending: %v %v", refs, err)
		}

		b, err := s.CreateAnswer(ctx, store.NewAnswer{UserID: ann.ID, ConversationID: c.ID, Text: "Second", RandomID: 43, Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ClaimAnswer(ctx, b.ID, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.ReleaseAnswer(ctx, b.ID, "account_limited", "Waiting", t0); err != nil {
			t.Fatal(err)
		}
		if err := s.NoteWaitingAnswers(ctx, a1.ID, "flood_wait", "Waiting for Telegram", t0); err != nil {
			t.Fatal(err)
		}
		b, err = s.InboxMessageByID(ctx, b.ID)
		if err != nil || b.State != store.AnswerPending || b.ErrorCode != "flood_wait" {
			t.Errorf("released answer: %+v %v", b, err)
		}
		if _, err := s.FinishAnswer(ctx, a.ID, store.AnswerFailed, 0, "x", "x", t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a sent answer was finished again: %v", err)
		}
	})
}

// TestLatestDeliveryTo links a person to the newest campaign delivery the
// account sent them.
func TestLatestDeliveryTo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@example.com")
		a1, err := s.CreateAccount(ctx, ann.ID, login(1, "9996620001"))
		if err != nil {
			t.Fatal(err)
		}
		c := newCampaign(t, s, ann.ID, a1.ID)
		if _, err := s.LatestDeliveryTo(ctx, a1.ID, 11); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a pending delivery counts as sent: %v", err)
		}
		if _, err := s.SetCampaignStatus(ctx, ann.ID, c.ID, []string{store.CampaignDraft}, store.CampaignRunning, "", t0); err != nil {
			t.Fatal(err)
		}
		d, err := s.NextPendingDelivery(ctx, c.ID, a1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ClaimDelivery(ctx, store.Unfenced, d.ID, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishDelivery(ctx, store.Unfenced, d.ID, store.DeliverySent, "", "", 55, t0); err != nil {
			t.Fatal(err)
		}
		got, err := s.LatestDeliveryTo(ctx, a1.ID, 11)
		if err != nil || got.CampaignID != c.ID || got.AccessHash != 111 || got.FirstName != "Ann" {
			t.Errorf("latest delivery: %+v %v", got, err)
		}
		if ok, err := s.IsCampaignMessage(ctx, a1.ID, 11, 55); err != nil || !ok {
			t.Errorf("message 55 is the campaign's: %v %v", ok, err)
		}
		if ok, err := s.IsCampaignMessage(ctx, a1.ID, 11, 56); err != nil || ok {
			t.Errorf("message 56 is not the campaign's: %v %v", ok, err)
		}
		conv, _, err := s.UpsertConversation(ctx, store.ConversationPeer{UserID: ann.ID, AccountID: a1.ID, TGUserID: 11, Now: t0})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateAnswer(ctx, store.NewAnswer{UserID: ann.ID, ConversationID: conv.ID, Text: "hi", RandomID: 9, Now: t0}); err != nil {
			t.Fatal(err)
		}
		a2, err := s.CreateAccount(ctx, ann.ID, login(2, "9996620002"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateExtraction(ctx, store.NewExtraction{UserID: ann.ID, AccountID: a2.ID,
			Chat: store.Chat{TGChatID: 5001, Kind: store.ChatSupergroup, Title: "Group"}, ListName: "List", Now: t0}); err != nil {
			t.Fatal(err)
		}
		ids := func() []int64 {
			t.Helper()
			refs, err := s.ConnectedAccounts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, r := range refs {
				out = append(out, r.AccountID)
			}
			return out
		}
		if got := fmt.Sprint(ids()); got != fmt.Sprint([]int64{a1.ID, a2.ID}) {
			t.Errorf("every connected account: %s", got)
		}
	})
}
