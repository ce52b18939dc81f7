package sandbox

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
	"github.com/telegramate/telegramate/internal/testkit"
)

func send(ctx context.Context, api *tg.Client, to tg.InputPeerClass, text string, randomID int64) (tg.UpdatesClass, error) {
	return api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: to, Message: text, RandomID: randomID})
}

func TestSendMessageDeduplicatesRandomID(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	c := loggedIn(t, s, annPhone)
	run(t, c, func(ctx context.Context) error {
		first, err := send(ctx, c.API(), userInput(s, 1002), "hello", 77)
		if err != nil {
			return err
		}
		sent, ok := first.(*tg.UpdateShortSentMessage)
		if !ok || sent.PtsCount != 1 {
			return fmt.Errorf("first send %T %+v", first, first)
		}
		// A retry after a crash uses the same random_id: Telegram answers with
		// the original message and delivers nothing new.
		again, err := send(ctx, c.API(), userInput(s, 1002), "hello", 77)
		if err != nil {
			return err
		}
		u, ok := again.(*tg.Updates)
		if !ok || len(u.Updates) != 2 {
			return fmt.Errorf("duplicate send %T %+v", again, again)
		}
		if id := u.Updates[0].(*tg.UpdateMessageID); id.ID != sent.ID || id.RandomID != 77 {
			return fmt.Errorf("duplicate answered with %+v, want message %d", id, sent.ID)
		}
		if nm := u.Updates[1].(*tg.UpdateNewMessage); nm.PtsCount != 0 || nm.Pts != sent.Pts {
			return fmt.Errorf("duplicate new message %+v", nm)
		}
		// Another random_id is another message.
		_, err = send(ctx, c.API(), userInput(s, 1002), "hello", 78)
		return err
	})
	msgs := s.Messages()
	if len(msgs) != 2 || msgs[0].RandomID != 77 || msgs[0].From != 1001 || msgs[0].To != 1002 || msgs[0].Text != "hello" {
		t.Fatalf("delivered %+v", msgs)
	}
}

func TestPrivacyAndSendErrors(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	c := loggedIn(t, s, annPhone)
	run(t, c, func(ctx context.Context) error {
		for _, tc := range []struct {
			peer tg.InputPeerClass
			text string
			want string
		}{
			{userInput(s, 1003), "hi", "USER_PRIVACY_RESTRICTED"},
			{userInput(s, 1006), "hi", "INPUT_USER_DEACTIVATED"},
			{&tg.InputPeerUser{UserID: 1002, AccessHash: 1}, "hi", "PEER_ID_INVALID"},
			{userInput(s, 1002), "", "MESSAGE_EMPTY"},
		} {
			_, err := send(ctx, c.API(), tc.peer, tc.text, randInt64())
			if err := wantRPC(t, err, tc.want); err != nil {
				return err
			}
		}
		return nil
	})
	if n := len(s.Messages()); n != 0 {
		t.Fatalf("%d messages delivered despite errors", n)
	}
}

func TestPeerFloodAfterStrangersInADay(t *testing.T) {
	clock := &testkit.Clock{}
	s := startSandbox(t, testWorld(t), Options{Clock: clock.Now})
	c := loggedIn(t, s, annPhone)
	// Generated members of Go Devs who accept strangers.
	var strangers []int64
	for _, id := range s.chats[5001].members {
		p := s.people[id]
		if p.generated && !p.Deleted && p.PrivacyStrangers == "allow" && len(strangers) < 5 {
			strangers = append(strangers, id)
		}
	}
	run(t, c, func(ctx context.Context) error {
		for i := range 3 {
			if _, err := send(ctx, c.API(), userInput(s, strangers[i]), "hi", randInt64()); err != nil {
				return err
			}
		}
		_, err := send(ctx, c.API(), userInput(s, strangers[3]), "hi", randInt64())
		if err := wantRPC(t, err, "PEER_FLOOD"); err != nil {
			return err
		}
		// Someone already written to today, and contacts, are fine.
		if _, err := send(ctx, c.API(), userInput(s, strangers[0]), "again", randInt64()); err != nil {
			return err
		}
		if _, err := send(ctx, c.API(), userInput(s, 1002), "hi Bob", randInt64()); err != nil {
			return err
		}
		clock.Advance(24 * time.Hour)
		_, err = send(ctx, c.API(), userInput(s, strangers[3]), "next day", randInt64())
		return err
	})
}

func TestScriptedReplyReachesSenderAsUpdateAndHistory(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	var mu sync.Mutex
	var got []*tg.Message
	// gotd hands updateShortMessage to handlers as updateShort{updateNewMessage}.
	h := telegram.UpdateHandlerFunc(func(ctx context.Context, u tg.UpdatesClass) error {
		if short, ok := u.(*tg.UpdateShort); ok {
			if nm, ok := short.Update.(*tg.UpdateNewMessage); ok {
				mu.Lock()
				got = append(got, nm.Message.(*tg.Message))
				mu.Unlock()
			}
		}
		return nil
	})
	c := loggedInWith(t, s, annPhone, h)
	run(t, c, func(ctx context.Context) error {
		api := c.API()
		state, err := api.UpdatesGetState(ctx)
		if err != nil {
			return err
		}
		if _, err := send(ctx, api, userInput(s, 1004), "Hello Dan", randInt64()); err != nil {
			return err
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			mu.Lock()
			n := len(got)
			mu.Unlock()
			if n > 0 {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("no reply update")
			}
			time.Sleep(5 * time.Millisecond)
		}
		mu.Lock()
		r := got[0]
		mu.Unlock()
		if from, ok := r.PeerID.(*tg.PeerUser); !ok || from.UserID != 1004 || r.Message != "STOP" || r.Out {
			return fmt.Errorf("reply update %+v", r)
		}
		// The reply is in history and dialogs, and getDifference catches up.
		h, err := api.MessagesGetHistory(ctx, &tg.MessagesGetHistoryRequest{Peer: userInput(s, 1004), Limit: 10})
		if err != nil {
			return err
		}
		msgs := h.(*tg.MessagesMessages).Messages
		if len(msgs) != 2 || msgs[0].(*tg.Message).Message != "STOP" || !msgs[1].(*tg.Message).Out {
			return fmt.Errorf("history %+v", msgs)
		}
		d, err := api.MessagesGetDialogs(ctx, &tg.MessagesGetDialogsRequest{OffsetPeer: &tg.InputPeerEmpty{}, Limit: 100})
		if err != nil {
			return err
		}
		first := d.(*tg.MessagesDialogs).Dialogs[0].(*tg.Dialog)
		if p, ok := first.Peer.(*tg.PeerUser); !ok || p.UserID != 1004 || first.UnreadCount != 1 {
			return fmt.Errorf("newest dialog %+v", first)
		}
		diff, err := api.UpdatesGetDifference(ctx, &tg.UpdatesGetDifferenceRequest{Pts: state.Pts, Date: state.Date})
		if err != nil {
			return err
		}
		df, ok := diff.(*tg.UpdatesDifference)
		if !ok || len(df.NewMessages) != 2 || df.State.Pts != state.Pts+2 {
			return fmt.Errorf("difference %T %+v", diff, diff)
		}
		return nil
	})
	// Once per sender, as a person would.
	msgs := s.Messages()
	if len(msgs) != 2 || msgs[1].From != 1004 || msgs[1].To != 1001 || msgs[1].Text != "STOP" {
		t.Fatalf("delivered %+v", msgs)
	}
}

func TestFaults(t *testing.T) {
	clock := &testkit.Clock{}
	s := startSandbox(t, testWorld(t), Options{Clock: clock.Now})
	c := loggedIn(t, s, annPhone)
	run(t, c, func(ctx context.Context) error {
		api := c.API()
		if err := s.SetFault(Fault{Method: "messages.sendMessage", After: 2, Error: "FLOOD_WAIT_3"}); err != nil {
			return err
		}
		for i := range 2 {
			if _, err := send(ctx, api, userInput(s, 1002), fmt.Sprint(i), randInt64()); err != nil {
				return err
			}
		}
		_, err := send(ctx, api, userInput(s, 1002), "3rd", randInt64())
		if err := wantRPC(t, err, "FLOOD_WAIT"); err != nil {
			return err
		}
		// Still inside the window: the rest of it.
		clock.Advance(time.Second)
		_, err = send(ctx, api, userInput(s, 1002), "3rd", randInt64())
		if wait, ok := tgerr.AsFloodWait(err); !ok || wait != 2*time.Second {
			return fmt.Errorf("got %v, want FLOOD_WAIT_2", err)
		}
		clock.Advance(2 * time.Second)
		if _, err := send(ctx, api, userInput(s, 1002), "3rd", randInt64()); err != nil {
			return err
		}

		if err := s.SetFault(Fault{Method: "help.getNearestDc", Every: 2, Error: "INTERNAL"}); err != nil {
			return err
		}
		for i := range 4 {
			_, err := api.HelpGetNearestDC(ctx)
			if i%2 == 0 {
				if err := wantRPC(t, err, "INTERNAL"); err != nil {
					return err
				}
			} else if err != nil {
				return err
			}
		}
		s.ClearFaults()
		if err := s.SetFault(Fault{Method: "help.getNearestDc", Error: "DROP_CONNECTION"}); err != nil {
			return err
		}
		before := s.Counts()["help.getNearestDc"]
		// gotd re-sends a request whose connection died on a new connection.
		if _, err := api.HelpGetNearestDC(ctx); err != nil {
			return err
		}
		if n := s.Counts()["help.getNearestDc"] - before; n != 2 {
			return fmt.Errorf("%d calls, want the dropped one and its retry", n)
		}
		return nil
	})
	if err := s.SetFault(Fault{Method: "messages.nope", Error: "INTERNAL"}); err == nil {
		t.Fatal("fault on an unknown method accepted")
	}
}

func TestRestartKeepsMessagesAndDeduplication(t *testing.T) {
	path := tempState(t)
	s := startSandbox(t, testWorld(t), Options{StateFile: path})
	store, ref := fabricatedSession(t, s, 1)
	s.mu.Lock()
	s.auths[ref] = &authz{DC: 1, KeyID: ref.KeyID, UserID: 1001, Hash: 5}
	s.mu.Unlock()
	c := clientFor(t, s, 1, testAPIID, testAPIHash, store)
	run(t, c, func(ctx context.Context) error {
		_, err := send(ctx, c.API(), userInput(s, 1002), "before restart", 99)
		return err
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := startSandbox(t, testWorld(t), Options{StateFile: path})
	c = clientFor(t, s2, 1, testAPIID, testAPIHash, store)
	run(t, c, func(ctx context.Context) error {
		u, err := send(ctx, c.API(), userInput(s2, 1002), "before restart", 99)
		if err != nil {
			return err
		}
		if _, ok := u.(*tg.Updates); !ok {
			return fmt.Errorf("re-send after restart answered %T, want the duplicate answer", u)
		}
		return nil
	})
	if msgs := s2.Messages(); len(msgs) != 1 || msgs[0].Text != "before restart" {
		t.Fatalf("messages after restart %+v", msgs)
	}
}
