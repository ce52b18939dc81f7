package sandbox

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"
)

// TestWritePushesAndGetDifferenceAgrees has a stranger write to Ann first,
// with a photo, while Ann's client is connected: the message is pushed
// with who wrote it, and getDifference from the state before gives the
// same message at the same pts. A message Ann writes from "another app"
// reaches her connected client as an outgoing one.
func TestWritePushesAndGetDifferenceAgrees(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	pushed := make(chan *tg.Updates, 10)
	ann := loggedInWith(t, s, annPhone, telegram.UpdateHandlerFunc(func(ctx context.Context, u tg.UpdatesClass) error {
		if v, ok := u.(*tg.Updates); ok {
			pushed <- v
		}
		return nil
	}))
	next := func() (*tg.Message, *tg.UpdateNewMessage, []tg.UserClass, error) {
		select {
		case u := <-pushed:
			for _, x := range u.Updates {
				if n, ok := x.(*tg.UpdateNewMessage); ok {
					return n.Message.(*tg.Message), n, u.Users, nil
				}
			}
			return nil, nil, nil, fmt.Errorf("push without a new message: %v", u)
		case <-time.After(10 * time.Second):
			return nil, nil, nil, fmt.Errorf("nothing pushed")
		}
	}
	run(t, ann, func(ctx context.Context) error {
		before, err := ann.API().UpdatesGetState(ctx)
		if err != nil {
			return err
		}
		if _, err := s.Write(1003, 1001, "Hi, saw your talk", &Media{Type: "photo", Size: 123456}); err != nil {
			return err
		}
		m, upd, users, err := next()
		if err != nil {
			return err
		}
		if m.Out || m.Message != "Hi, saw your talk" || m.PeerID.(*tg.PeerUser).UserID != 1003 {
			return fmt.Errorf("pushed %+v", m)
		}
		photo, ok := m.Media.(*tg.MessageMediaPhoto)
		if !ok || photo.Photo.(*tg.Photo).Sizes[0].(*tg.PhotoSize).Size != 123456 {
			return fmt.Errorf("pushed media %#v", m.Media)
		}
		named := false
		for _, u := range users {
			if v, ok := u.(*tg.User); ok && v.ID == 1003 && v.FirstName == "Cleo" && v.AccessHash != 0 {
				named = true
			}
		}
		if !named {
			return fmt.Errorf("the push does not name the writer: %v", users)
		}
		diff, err := ann.API().UpdatesGetDifference(ctx, &tg.UpdatesGetDifferenceRequest{Pts: before.Pts, Date: before.Date})
		if err != nil {
			return err
		}
		d, ok := diff.(*tg.UpdatesDifference)
		if !ok || len(d.NewMessages) != 1 || d.NewMessages[0].GetID() != m.ID || d.State.Pts != upd.Pts {
			return fmt.Errorf("difference %#v, pushed id %d pts %d", diff, m.ID, upd.Pts)
		}
		if _, ok := d.NewMessages[0].(*tg.Message).Media.(*tg.MessageMediaPhoto); !ok {
			return fmt.Errorf("difference lost the photo")
		}

		if _, err := s.Write(1001, 1003, "from my phone", nil); err != nil {
			return err
		}
		m, _, _, err = next()
		if err != nil {
			return err
		}
		if !m.Out || m.Message != "from my phone" {
			return fmt.Errorf("pushed %+v, want Ann's own outgoing message", m)
		}
		return nil
	})
	if _, err := s.Write(1001, 1001, "self", nil); err == nil {
		t.Error("writing to oneself was accepted")
	}
	if _, err := s.Write(1003, 1001, "", &Media{Type: "hologram"}); err == nil {
		t.Error("an unknown media type was accepted")
	}
}

// TestPushGoesOnToAnotherLiveSession: a client holding two connections on
// one auth key keeps getting updates after the more recent one closes,
// on the one still open (the product's listener while a campaign's
// connection comes and goes).
func TestPushGoesOnToAnotherLiveSession(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	store, ref := fabricatedSession(t, s, 1)
	s.mu.Lock()
	s.auths[ref] = &authz{DC: 1, KeyID: ref.KeyID, UserID: 1001, Hash: 1}
	s.mu.Unlock()
	got := make(chan string, 10)
	first := clientWith(t, s, 1, testAPIID, testAPIHash, store, telegram.UpdateHandlerFunc(func(ctx context.Context, u tg.UpdatesClass) error {
		if v, ok := u.(*tg.Updates); ok {
			for _, x := range v.Updates {
				if n, ok := x.(*tg.UpdateNewMessage); ok {
					got <- n.Message.(*tg.Message).Message
				}
			}
		}
		return nil
	}))
	run(t, first, func(ctx context.Context) error {
		if _, err := first.API().UpdatesGetState(ctx); err != nil {
			return err
		}
		second := clientWith(t, s, 1, testAPIID, testAPIHash, store, telegram.UpdateHandlerFunc(func(context.Context, tg.UpdatesClass) error { return nil }))
		if err := second.Run(ctx, func(ctx context.Context) error {
			_, err := second.API().UpdatesGetState(ctx)
			return err
		}); err != nil {
			return err
		}
		for deadline := time.Now().Add(10 * time.Second); s.Connections() != 1; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				return fmt.Errorf("%d connections, want the first one alone", s.Connections())
			}
		}
		if _, err := s.Write(1003, 1001, "after the other one closed", nil); err != nil {
			return err
		}
		select {
		case m := <-got:
			if m != "after the other one closed" {
				return fmt.Errorf("pushed %q", m)
			}
			return nil
		case <-time.After(10 * time.Second):
			return fmt.Errorf("nothing pushed to the connection still open")
		}
	})
}
