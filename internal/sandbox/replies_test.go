package sandbox

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/updates"
	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/testkit"
)

// manualTimers replaces the sandbox's timers so a test fires delayed
// replies when it chooses.
type manualTimers struct {
	mu    sync.Mutex
	fires []func()
	delay []time.Duration
}

func (m *manualTimers) install(s *Server) {
	s.mu.Lock()
	s.afterFunc = func(d time.Duration, f func()) func() bool {
		m.mu.Lock()
		m.fires = append(m.fires, f)
		m.delay = append(m.delay, d)
		m.mu.Unlock()
		return func() bool { return true }
	}
	s.mu.Unlock()
}

// fireAll runs every scheduled timer, outside any lock, as time.AfterFunc
// would.
func (m *manualTimers) fireAll() int {
	m.mu.Lock()
	fs := m.fires
	m.fires = nil
	m.mu.Unlock()
	for _, f := range fs {
		f()
	}
	return len(fs)
}

func replyWorld(t *testing.T, after string) *World {
	w := testWorld(t)
	for i := range w.Users {
		if w.Users[i].ID == 1004 {
			w.Users[i].ReplyAfter = after
		}
	}
	return w
}

// TestDelayedReplyReachesAnOfflineClientThroughGetDifference is what the
// product does for replies: gotd's updates manager with its own state
// storage (pts, qts, date, seq kept between runs). A reply that arrives
// while the client is disconnected is delivered by getDifference on the
// next start, and the stored state ends at the server's.
func TestDelayedReplyReachesAnOfflineClientThroughGetDifference(t *testing.T) {
	s := startSandbox(t, replyWorld(t, "1h"), Options{})
	timers := &manualTimers{}
	timers.install(s)

	got := make(chan *tg.Message, 10)
	d := tg.NewUpdateDispatcher()
	d.OnNewMessage(func(ctx context.Context, _ tg.Entities, u *tg.UpdateNewMessage) error {
		if m, ok := u.Message.(*tg.Message); ok && !m.Out {
			got <- m
		}
		return nil
	})
	state := &memState{}
	store, ref := fabricatedSession(t, s, 1)
	s.mu.Lock()
	s.auths[ref] = &authz{DC: 1, KeyID: ref.KeyID, UserID: 1001, Hash: 1}
	s.mu.Unlock()
	session := func(f func(ctx context.Context, api *tg.Client) error) {
		gaps := updates.New(updates.Config{Handler: d, Storage: state})
		ann := clientWith(t, s, 1, testAPIID, testAPIHash, store, gaps)
		run(t, ann, func(ctx context.Context) error {
			mctx, cancel := context.WithCancel(ctx)
			started := make(chan struct{})
			done := make(chan error, 1)
			go func() {
				done <- gaps.Run(mctx, ann.API(), 1001, updates.AuthOptions{OnStart: func(context.Context) { close(started) }})
			}()
			select {
			case <-started:
			case err := <-done:
				cancel()
				return err
			}
			err := f(ctx, ann.API())
			cancel()
			<-done
			return err
		})
	}

	session(func(ctx context.Context, api *tg.Client) error {
		_, err := send(ctx, api, userInput(s, 1004), "Hello Dan", randInt64())
		return err
	})
	if n := len(s.Messages()); n != 1 {
		t.Fatalf("%d messages before the delay ran out, want only Ann's", n)
	}
	timers.mu.Lock()
	delays := append([]time.Duration(nil), timers.delay...)
	timers.mu.Unlock()
	if len(delays) != 1 || delays[0] != time.Hour {
		t.Fatalf("reply timers %v, want one of 1h", delays)
	}
	// Ann is offline now; the reply lands in her box.
	if n := timers.fireAll(); n != 1 {
		t.Fatalf("%d timers fired", n)
	}
	msgs := s.Messages()
	if len(msgs) != 2 || msgs[1].From != 1004 || msgs[1].To != 1001 || msgs[1].Text != "STOP" || !msgs[1].Reply {
		t.Fatalf("delivered %+v", msgs)
	}

	session(func(ctx context.Context, api *tg.Client) error {
		select {
		case m := <-got:
			if m.Message != "STOP" || m.PeerID.(*tg.PeerUser).UserID != 1004 {
				return fmt.Errorf("caught up with %+v", m)
			}
		case <-time.After(20 * time.Second):
			return fmt.Errorf("no reply after reconnecting")
		}
		st, err := api.UpdatesGetState(ctx)
		if err != nil {
			return err
		}
		// Ann's box: her message (pts 2) and the reply (pts 3).
		if st.Pts != 3 || st.Qts != 0 || st.Seq != 0 || st.Date == 0 {
			return fmt.Errorf("server state %+v", st)
		}
		stored, _, _ := state.GetState(ctx, 1001)
		if stored.Pts != st.Pts || stored.Date == 0 {
			return fmt.Errorf("stored state %+v, server %+v", stored, st)
		}
		return nil
	})
	select {
	case m := <-got:
		t.Fatalf("reply delivered twice: %+v", m)
	default:
	}
}

// TestDelayedReplyIsPushedToLiveSessions: with a real (short) timer the
// reply reaches a connected client as an update, after the answer to the
// send, and the sandbox keeps answering while the timer waits.
func TestDelayedReplyIsPushedToLiveSessions(t *testing.T) {
	s := startSandbox(t, replyWorld(t, "50ms"), Options{})
	got := make(chan *tg.UpdateShortMessage, 10)
	h := telegram.UpdateHandlerFunc(func(ctx context.Context, u tg.UpdatesClass) error {
		if short, ok := u.(*tg.UpdateShort); ok {
			if nm, ok := short.Update.(*tg.UpdateNewMessage); ok {
				m := nm.Message.(*tg.Message)
				got <- &tg.UpdateShortMessage{ID: m.ID, Message: m.Message, Pts: nm.Pts}
			}
		}
		return nil
	})
	c := loggedInWith(t, s, annPhone, h)
	run(t, c, func(ctx context.Context) error {
		if _, err := send(ctx, c.API(), userInput(s, 1004), "Hello Dan", randInt64()); err != nil {
			return err
		}
		// Other calls are answered while the reply waits.
		if _, err := c.API().HelpGetNearestDC(ctx); err != nil {
			return err
		}
		select {
		case u := <-got:
			if u.Message != "STOP" || u.Pts != 3 {
				return fmt.Errorf("reply update %+v", u)
			}
		case <-time.After(20 * time.Second):
			return fmt.Errorf("no reply update")
		}
		return nil
	})
	msgs := s.Messages()
	if len(msgs) != 2 || !msgs[1].Reply || msgs[1].Date.Before(msgs[0].Date) {
		t.Fatalf("delivered %+v", msgs)
	}
}

// TestPendingReplySurvivesRestart: a reply still waiting when the sandbox
// stops is kept in the state file and sent after the next start.
func TestPendingReplySurvivesRestart(t *testing.T) {
	clock := &testkit.Clock{}
	path := tempState(t)
	s := startSandbox(t, replyWorld(t, "1h"), Options{StateFile: path, Clock: clock.Now})
	ann := loggedIn(t, s, annPhone)
	run(t, ann, func(ctx context.Context) error {
		_, err := send(ctx, ann.API(), userInput(s, 1004), "Hello Dan", randInt64())
		return err
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Messages()); n != 1 {
		t.Fatalf("%d messages before restart", n)
	}
	// Two hours later the reply is overdue and goes out at start.
	clock.Advance(2 * time.Hour)
	s2 := startSandbox(t, replyWorld(t, "1h"), Options{StateFile: path, Clock: clock.Now})
	testkit.Eventually(t, 20*time.Second, "the overdue reply", func() bool {
		msgs := s2.Messages()
		return len(msgs) == 2 && msgs[1].Text == "STOP" && msgs[1].To == 1001
	})
}

// TestGetDifferenceStates covers the answers gotd's updates manager relies
// on besides a plain difference: empty with the date, a slice with an
// intermediate state past 1,000 messages, and too-long for a client whose
// pts is ahead of the box (a sandbox restarted without --state).
func TestGetDifferenceStates(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	s.mu.Lock()
	for i := range diffSliceMax + 5 {
		s.deliver(outgoing{from: 1002, to: 1001, text: fmt.Sprint(i), randomID: int64(i + 1)})
	}
	s.mu.Unlock()
	ann := loggedIn(t, s, annPhone)
	run(t, ann, func(ctx context.Context) error {
		api := ann.API()
		st, err := api.UpdatesGetState(ctx)
		if err != nil {
			return err
		}
		if st.Pts != diffSliceMax+6 || st.Date == 0 || st.Seq != 0 || st.Qts != 0 {
			return fmt.Errorf("state %+v", st)
		}
		d, err := api.UpdatesGetDifference(ctx, &tg.UpdatesGetDifferenceRequest{Pts: 1, Date: st.Date})
		if err != nil {
			return err
		}
		slice, ok := d.(*tg.UpdatesDifferenceSlice)
		if !ok || len(slice.NewMessages) != diffSliceMax || slice.IntermediateState.Pts != diffSliceMax+1 ||
			slice.NewMessages[0].(*tg.Message).Message != "0" {
			return fmt.Errorf("first difference %T", d)
		}
		d, err = api.UpdatesGetDifference(ctx, &tg.UpdatesGetDifferenceRequest{Pts: slice.IntermediateState.Pts, Date: st.Date})
		if err != nil {
			return err
		}
		rest, ok := d.(*tg.UpdatesDifference)
		if !ok || len(rest.NewMessages) != 5 || rest.State.Pts != st.Pts || rest.NewMessages[0].(*tg.Message).Message != fmt.Sprint(diffSliceMax) {
			return fmt.Errorf("second difference %T %+v", d, d)
		}
		d, err = api.UpdatesGetDifference(ctx, &tg.UpdatesGetDifferenceRequest{Pts: st.Pts, Date: st.Date})
		if err != nil {
			return err
		}
		if e, ok := d.(*tg.UpdatesDifferenceEmpty); !ok || e.Date == 0 || e.Seq != 0 {
			return fmt.Errorf("difference at the box's pts %T %+v", d, d)
		}
		d, err = api.UpdatesGetDifference(ctx, &tg.UpdatesGetDifferenceRequest{Pts: st.Pts + 50, Date: st.Date})
		if err != nil {
			return err
		}
		if tl, ok := d.(*tg.UpdatesDifferenceTooLong); !ok || tl.Pts != st.Pts {
			return fmt.Errorf("difference ahead of the box %T %+v", d, d)
		}
		return nil
	})
}
