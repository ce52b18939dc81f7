package inbox_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestCampaignRepliesInOneInbox sends a campaign from two accounts to the
// meetup group; the people who reply (to whichever account wrote to them)
// are all in one inbox, each conversation with the account that sent and
// the campaign, and the one who wrote STOP is suppressed. Opening a
// conversation loads the campaign's message from Telegram's history.
func TestCampaignRepliesInOneInbox(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, storetest.SQLite(t), inbox.Options{})
	lists := []int64{e.list(sam.TGUserID), e.list(sid.TGUserID)}
	v, err := e.camp.Create(ctx, e.user, campaign.CreateInput{Name: "Meetup invite", Message: "Hi {first_name|there}, join us Friday?",
		Audience: campaign.Audience{ListIDs: lists}, SenderAccountIDs: []int64{e.account(sam.TGUserID), e.account(sid.TGUserID)},
		Pacing: campaign.PacingInput{MinIntervalSeconds: intp(0), DailyCap: intp(100)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.camp.Start(ctx, e.user, v.ID); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the campaign's end", func() (bool, error) {
		v, err = e.camp.Get(ctx, e.user, v.ID)
		return err == nil && v.Final(), err
	})
	sender := map[int64]int64{} // person → account that wrote to them
	if err := e.camp.Deliveries(ctx, e.user, v.ID, func(r campaign.DeliveryRow) error {
		if r.State == store.DeliverySent {
			sender[r.UserID] = r.AccountID
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	replies := map[int64]string{ann: "Thanks, sounds good!", bruno: "Tell me more", cora: "Yes please", dan: "STOP"}
	var page inbox.Page
	e.waitFor("every reply in the inbox", func() (bool, error) {
		page, err = e.svc.List(ctx, e.user, inbox.Filter{})
		return err == nil && len(page.Conversations) >= len(replies), err
	})
	if len(page.Conversations) != len(replies) {
		t.Fatalf("%d conversations, want one per person who replied (%d)", len(page.Conversations), len(replies))
	}
	accountsSeen := map[int64]bool{}
	for _, c := range page.Conversations {
		want, ok := replies[c.TGUserID]
		switch {
		case !ok:
			t.Errorf("a conversation with %d, who did not reply", c.TGUserID)
			continue
		case c.AccountID != sender[c.TGUserID]:
			t.Errorf("%s: account %d, but account %d wrote to them", c.Name(), c.AccountID, sender[c.TGUserID])
		case c.CampaignID != v.ID || c.CampaignName != "Meetup invite":
			t.Errorf("%s: campaign %d %q, want %d", c.Name(), c.CampaignID, c.CampaignName, v.ID)
		case c.LastMessageText != want || c.LastMessageOut || c.Unread != 1:
			t.Errorf("%s: last message %q (out %v), unread %d", c.Name(), c.LastMessageText, c.LastMessageOut, c.Unread)
		case c.AccountName != "Sam" && c.AccountName != "Sid":
			t.Errorf("%s: no account name", c.Name())
		}
		accountsSeen[c.AccountID] = true
	}
	if len(accountsSeen) != 2 {
		t.Errorf("the replies reached %d accounts, want both senders: %v", len(accountsSeen), sender)
	}
	if ok, err := e.st.IsSuppressed(ctx, e.user, dan, ""); err != nil || !ok {
		t.Errorf("Dan wrote STOP and is not suppressed: %v", err)
	}
	if list, err := e.st.ListSuppressions(ctx, e.user); err != nil || len(list) != 1 || list[0].Reason != "Replied “STOP” to campaign “Meetup invite”" {
		t.Errorf("suppressions %+v (%v), want Dan's with the campaign named", list, err)
	}
	if n, err := e.svc.UnreadCount(ctx, e.user); err != nil || n != len(replies) {
		t.Errorf("unread conversations %d, want %d (%v)", n, len(replies), err)
	}

	annConv := e.conversationWith(sender[ann], ann)
	if _, err := e.svc.Open(ctx, e.user, annConv.ID); err != nil {
		t.Fatal(err)
	}
	th := e.thread(annConv.ID)
	if len(th) != 2 || th[0].Origin != store.OriginCampaign || th[0].Incoming() || !strings.HasPrefix(th[0].Text, "Hi Ann, join us Friday?") ||
		th[1].Origin != store.OriginPerson || th[1].Text != "Thanks, sounds good!" {
		t.Errorf("Ann's thread after opening: %+v", th)
	}
	if c, err := e.svc.Get(ctx, e.user, annConv.ID); err != nil || c.Unread != 0 || !c.HistoryLoaded {
		t.Errorf("after opening: unread %d, history loaded %v (%v)", c.Unread, c.HistoryLoaded, err)
	}
	if c, err := e.svc.Done(ctx, e.user, annConv.ID); err != nil || !c.Done() {
		t.Errorf("done: %+v %v", c, err)
	}
	if page, err := e.svc.List(ctx, e.user, inbox.Filter{Status: store.ConversationOpen, Unread: true}); err != nil || len(page.Conversations) != 3 {
		t.Errorf("open and unread: %d (%v)", len(page.Conversations), err)
	}
}

// TestStrangerWritesFirst: someone who never got a message writes to an
// account (with a photo), is seen live in the inbox, and is answered
// exactly once as that account; what the account writes from its own
// phone joins the conversation.
func TestStrangerWritesFirst(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, storetest.SQLite(t), inbox.Options{})
	e.listening(sam.TGUserID)
	if _, err := e.sbx.Write(stranger, sam.TGUserID, "Hi! Is the meetup still on?", nil); err != nil {
		t.Fatal(err)
	}
	c := e.conversationWith(sam.TGUserID, stranger)
	if c.Name() != "Stella Ranger" || c.Username != "stella_r" || c.CampaignID != 0 || c.Unread != 1 || c.AccessHash == 0 {
		t.Errorf("conversation %+v", c)
	}
	if _, err := e.sbx.Write(stranger, sam.TGUserID, "", &sandbox.Media{Type: "photo", Size: 345678}); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the photo", func() (bool, error) { return len(e.thread(c.ID)) == 2, nil })
	if m := e.thread(c.ID)[1]; m.MediaType != "photo" || m.MediaSize != 345678 || m.MediaLabel() != "Photo, 338 KB" {
		t.Errorf("photo message %+v, label %q", m.InboxMessage, m.MediaLabel())
	}
	ans, err := e.svc.Answer(ctx, e.user, c.ID, "Yes, Friday at 7!")
	if err != nil {
		t.Fatal(err)
	}
	if ans.State != store.AnswerPending || ans.RandomID == 0 {
		t.Errorf("answer %+v", ans.InboxMessage)
	}
	e.waitFor("the answer sent", func() (bool, error) {
		m, err := e.st.InboxMessageByID(ctx, ans.ID)
		return m.State == store.AnswerSent, err
	})
	got := e.sentTo(sam.TGUserID, stranger)
	if len(got) != 1 || got[0].Text != "Yes, Friday at 7!" || got[0].RandomID != ans.RandomID {
		t.Errorf("the sandbox got %+v, want the answer once with its random_id", got)
	}
	if _, err := e.sbx.Write(sam.TGUserID, stranger, "(sent from my phone)", nil); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the message from the account's phone", func() (bool, error) { return len(e.thread(c.ID)) == 4, nil })
	th := e.thread(c.ID)
	if th[2].Origin != store.OriginAnswer || th[2].TGMessageID == 0 || th[3].Origin != store.OriginApp || th[3].Incoming() {
		t.Errorf("thread %+v", th)
	}
	if _, err := e.svc.Answer(ctx, e.user, c.ID, "   "); !errors.Is(err, errValidation) {
		t.Errorf("an empty answer: %v", err)
	}
	other, err := e.st.CreateUser(ctx, store.NewUser{Email: "other@example.com", PasswordHash: "x", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Answer(ctx, other.ID, c.ID, "hijack"); !isNotFound(err) {
		t.Errorf("another user answered: %v", err)
	}
}

var errValidation = &apperr.Error{Code: "validation_failed"}

func isNotFound(err error) bool {
	e, ok := apperr.As(err)
	return ok && e.Code == "not_found"
}

// listening waits until the account's listener has read its updates
// state once (from then on, what reaches the account is the inbox's).
func (e *env) listening(accountTG int64) {
	e.t.Helper()
	e.waitFor("the listener's first check", func() (bool, error) {
		_, ok, err := e.st.UpdatesStateOf(context.Background(), e.account(accountTG))
		return ok, err
	})
}

// TestReplyWhileDownSeenAfterRestart: a message that reaches an account
// while the product is down is in the inbox after the restart
// (getDifference from the stored state).
func TestReplyWhileDownSeenAfterRestart(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), inbox.Options{})
	e.listening(sid.TGUserID)
	e.stop()
	if _, err := e.sbx.Write(stranger, sid.TGUserID, "Are you there?", nil); err != nil {
		t.Fatal(err)
	}
	if page, err := e.svc.List(context.Background(), e.user, inbox.Filter{}); err != nil || len(page.Conversations) != 0 {
		t.Fatalf("the inbox saw a message while down: %d %v", len(page.Conversations), err)
	}
	e.start()
	c := e.conversationWith(sid.TGUserID, stranger)
	if th := e.thread(c.ID); len(th) != 1 || th[0].Text != "Are you there?" || !th[0].Incoming() {
		t.Errorf("thread %+v", th)
	}
}

// TestStopInConversationSuppresses: an opt-out keyword in any incoming
// message, not only a campaign reply, puts the person on the list. The
// difference is asked for only at the listener's start here, so the push
// is what must do it.
func TestStopInConversationSuppresses(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, storetest.SQLite(t), inbox.Options{})
	e.listening(sam.TGUserID)
	if _, err := e.sbx.Write(stranger, sam.TGUserID, "who is this?", nil); err != nil {
		t.Fatal(err)
	}
	c := e.conversationWith(sam.TGUserID, stranger)
	if ok, _ := e.st.IsSuppressed(ctx, e.user, stranger, ""); ok {
		t.Fatal("suppressed before any opt-out")
	}
	if _, err := e.sbx.Write(stranger, sam.TGUserID, "Stop", nil); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the opt-out", func() (bool, error) { return e.st.IsSuppressed(ctx, e.user, stranger, "stella_r") })
	list, err := e.st.ListSuppressions(ctx, e.user)
	if err != nil || len(list) != 1 || list[0].TGUserID != stranger || list[0].Username != "stella_r" {
		t.Errorf("suppressions %+v %v", list, err)
	}
	_ = c
}

// TestLimitedAccountAnswerWaits: an answer from an account Telegram
// limited (PEER_FLOOD) is kept, says why it waits, and is sent once the
// limit is reset.
func TestLimitedAccountAnswerWaits(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, storetest.SQLite(t), inbox.Options{})
	e.listening(sue.TGUserID)
	if _, err := e.sbx.Write(stranger, sue.TGUserID, "hello Sue", nil); err != nil {
		t.Fatal(err)
	}
	c := e.conversationWith(sue.TGUserID, stranger)
	if err := e.st.SetAccountStatus(ctx, e.account(sue.TGUserID), store.AccountLimited, time.Time{}, "PEER_FLOOD", time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	ans, err := e.svc.Answer(ctx, e.user, c.ID, "Hi!")
	if err != nil {
		t.Fatal(err)
	}
	if ans.State != store.AnswerPending || ans.ErrorCode != "account_limited" {
		t.Errorf("answer from a limited account: %+v", ans.InboxMessage)
	}
	if err := e.acc.ResetLimited(ctx, e.user, e.account(sue.TGUserID)); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the answer after the reset", func() (bool, error) {
		m, err := e.st.InboxMessageByID(ctx, ans.ID)
		return m.State == store.AnswerSent, err
	})
	if got := e.sentTo(sue.TGUserID, stranger); len(got) != 1 {
		t.Errorf("sent %d times", len(got))
	}
}

// TestMessageTxHookOnce: the transactional hook (webhooks' message.received)
// hears of each message once although the push and getDifference both
// bring it, and a hook that fails rolls the message back, so it is stored
// and announced when it comes again.
func TestMessageTxHookOnce(t *testing.T) {
	var (
		mu    sync.Mutex
		calls int
		seen  = map[int]int{} // Telegram message id → announcements that committed
	)
	e := newEnv(t, storetest.SQLite(t), inbox.Options{}, func(s *inbox.Service) {
		s.OnMessageTx(func(ctx context.Context, tx store.Tx, c inbox.Conversation, m inbox.Message) error {
			mu.Lock()
			defer mu.Unlock()
			calls++
			if calls == 1 {
				return errors.New("the webhook's table is locked")
			}
			seen[m.TGMessageID]++
			return nil
		})
	})
	e.listening(sam.TGUserID)
	for _, text := range []string{"first", "second"} {
		if _, err := e.sbx.Write(stranger, sam.TGUserID, text, nil); err != nil {
			t.Fatal(err)
		}
	}
	c := e.conversationWith(sam.TGUserID, stranger)
	e.waitFor("both messages", func() (bool, error) { return len(e.thread(c.ID)) == 2, nil })
	// getDifference has read both messages too (Sam's box: pts 1 empty,
	// 3 after two messages), after the pushes stored them.
	e.waitFor("the difference past both messages", func() (bool, error) {
		st, _, err := e.st.UpdatesStateOf(context.Background(), e.account(sam.TGUserID))
		return st.Pts >= 3, err
	})
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen[1] != 1 || seen[2] != 1 {
		t.Errorf("announcements per message %v, want each of the two once", seen)
	}
}

// TestReadOnTelegram: with the option, reading a conversation marks it read
// on Telegram too (messages.readHistory); without it, Telegram is not asked.
func TestReadOnTelegram(t *testing.T) {
	ctx := context.Background()
	for _, on := range []bool{false, true} {
		t.Run(fmt.Sprint(on), func(t *testing.T) {
			e := newEnv(t, storetest.SQLite(t), inbox.Options{ReadOnTelegram: on})
			e.listening(sam.TGUserID)
			if _, err := e.sbx.Write(stranger, sam.TGUserID, "read me", nil); err != nil {
				t.Fatal(err)
			}
			c := e.conversationWith(sam.TGUserID, stranger)
			if _, err := e.svc.Open(ctx, e.user, c.ID); err != nil {
				t.Fatal(err)
			}
			if got, err := e.svc.Get(ctx, e.user, c.ID); err != nil || got.Unread != 0 {
				t.Fatalf("after reading: unread %d (%v)", got.Unread, err)
			}
			if !on {
				// Opening loaded the history on the same account first;
				// a read would have been asked right after it.
				if n := e.sbx.Counts()["messages.readHistory"]; n != 0 {
					t.Errorf("Telegram was asked to mark read %d times with the option off", n)
				}
				return
			}
			e.waitFor("messages.readHistory", func() (bool, error) { return e.sbx.Counts()["messages.readHistory"] == 1, nil })
		})
	}
}

// TestAnswerHonoursFloodWait: Telegram makes the account wait 2 seconds
// at the answer; the answer waits saying so, nothing of the account's
// reaches Telegram inside the wait, and it is sent once after it.
func TestAnswerHonoursFloodWait(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, storetest.SQLite(t), inbox.Options{})
	e.listening(sam.TGUserID)
	if _, err := e.sbx.Write(stranger, sam.TGUserID, "are you there?", nil); err != nil {
		t.Fatal(err)
	}
	c := e.conversationWith(sam.TGUserID, stranger)
	if err := e.sbx.SetFault(sandbox.Fault{Method: "messages.sendMessage", Error: "FLOOD_WAIT_2", Phone: sam.Phone}); err != nil {
		t.Fatal(err)
	}
	ans, err := e.svc.Answer(ctx, e.user, c.ID, "Yes, one moment")
	if err != nil {
		t.Fatal(err)
	}
	e.waitFor("the answer waiting for Telegram", func() (bool, error) {
		m, err := e.st.InboxMessageByID(ctx, ans.ID)
		return m.State == store.AnswerPending && m.ErrorCode == "flood_wait", err
	})
	e.waitFor("the answer sent after the wait", func() (bool, error) {
		m, err := e.st.InboxMessageByID(ctx, ans.ID)
		return m.State == store.AnswerSent, err
	})
	var hit time.Time
	for _, h := range e.sbx.FaultHits() {
		if h.UserID == sam.TGUserID && h.Error == "FLOOD_WAIT_2" {
			hit = h.Time
		}
	}
	if hit.IsZero() {
		t.Fatal("the FLOOD_WAIT never fired")
	}
	for _, h := range e.sbx.FaultHits() {
		if h.UserID == sam.TGUserID && h.Time.After(hit) {
			t.Errorf("Sam called %s inside the wait (%s)", h.Method, h.Error)
		}
	}
	got := e.sentTo(sam.TGUserID, stranger)
	if len(got) != 1 || got[0].Date.Before(hit.Add(2*time.Second)) {
		t.Errorf("sent %+v, want once, after the wait from %v", got, hit)
	}
}

// TestCampaignMessageJoinsConversationStartedAfter: a campaign's sends
// find no conversation (the account's known peers are read then); Ann
// replies, which starts one; a second campaign's message to her joins it,
// though no query asks for it any more (the known peers learned of it).
func TestCampaignMessageJoinsConversationStartedAfter(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, storetest.SQLite(t), inbox.Options{})
	list := e.list(sam.TGUserID)
	send := func(name, text string) {
		t.Helper()
		v, err := e.camp.Create(ctx, e.user, campaign.CreateInput{Name: name, Message: text,
			Audience: campaign.Audience{ListIDs: []int64{list}}, SenderAccountIDs: []int64{e.account(sam.TGUserID)},
			Pacing: campaign.PacingInput{MinIntervalSeconds: intp(0), DailyCap: intp(100)}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.camp.Start(ctx, e.user, v.ID); err != nil {
			t.Fatal(err)
		}
		e.waitFor(name+"'s end", func() (bool, error) {
			v, err = e.camp.Get(ctx, e.user, v.ID)
			return err == nil && v.Final(), err
		})
	}
	send("First", "First note")
	if _, err := e.sbx.Write(ann, sam.TGUserID, "Who is this?", nil); err != nil {
		t.Fatal(err)
	}
	c := e.conversationWith(sam.TGUserID, ann)
	send("Second", "Second note")
	e.waitFor("the second campaign's message in Ann's conversation", func() (bool, error) {
		for _, m := range e.thread(c.ID) {
			if m.Origin == store.OriginCampaign && strings.HasPrefix(m.Text, "Second note") {
				return true, nil
			}
		}
		return false, nil
	})
}

// TestAnswerWrittenAsTheRunEnds: an answer written after the account's
// answering run looked for answers the last time, while River still
// counts its job running, goes at once, not at the next tick (an hour
// here; a minute in the product). River took its job for a duplicate of
// the running one.
func TestAnswerWrittenAsTheRunEnds(t *testing.T) {
	ctx := context.Background()
	var (
		conv   atomic.Int64
		owner  atomic.Int64
		once   sync.Once
		second = make(chan int64, 1)
	)
	e := newEnvTicking(t, storetest.SQLite(t), inbox.Options{}, time.Hour, func(s *inbox.Service) {
		inbox.SetAfterLastLook(s, func() {
			id := conv.Load()
			if id == 0 {
				return
			}
			once.Do(func() {
				m, err := s.Answer(ctx, owner.Load(), id, "And a second thing")
				if err != nil {
					t.Errorf("second answer: %v", err)
				}
				second <- m.ID
			})
		})
	})
	e.listening(sam.TGUserID)
	// The tick runs once when the jobs start (once River elects its
	// leader); after that, nothing but the answer's own job sends it.
	e.waitFor("the first tick", func() (bool, error) {
		var n int
		err := e.st.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM river_job WHERE kind = 'inbox_tick' AND state = 'completed'").Scan(&n)
		return n > 0, err
	})
	if _, err := e.sbx.Write(stranger, sam.TGUserID, "hello?", nil); err != nil {
		t.Fatal(err)
	}
	c := e.conversationWith(sam.TGUserID, stranger)
	owner.Store(e.user)
	conv.Store(c.ID)
	if _, err := e.svc.Answer(ctx, e.user, c.ID, "Hello!"); err != nil {
		t.Fatal(err)
	}
	var id int64
	select {
	case id = <-second:
	case <-time.After(time.Minute):
		t.Fatal("the first answering run never ended")
	}
	e.waitFor("the answer written as the run ended sent", func() (bool, error) {
		m, err := e.st.InboxMessageByID(ctx, id)
		return m.State == store.AnswerSent, err
	})
	if got := e.sentTo(sam.TGUserID, stranger); len(got) != 2 {
		t.Errorf("sent %d messages, want the two answers once each", len(got))
	}
}
