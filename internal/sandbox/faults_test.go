package sandbox

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/tgerr"

	"github.com/telegramate/telegramate/internal/testkit"
)

// TestFloodWaitForOneAccount: a FLOOD_WAIT switched on for Ann's sends
// stops Ann only; Bob goes on, and the record says who hit it and when.
func TestFloodWaitForOneAccount(t *testing.T) {
	clock := &testkit.Clock{}
	s := startSandbox(t, testWorld(t), Options{Clock: clock.Now, Control: "127.0.0.1:0"})
	if err := s.SetFault(Fault{Method: "messages.sendMessage", After: 1, Error: "FLOOD_WAIT_30", Phone: "+" + annPhone}); err != nil {
		t.Fatal(err)
	}
	ann, bob := loggedIn(t, s, annPhone), loggedIn(t, s, bobPhone)
	run(t, ann, func(ctx context.Context) error {
		if _, err := send(ctx, ann.API(), userInput(s, 1002), "first", randInt64()); err != nil {
			return err
		}
		_, err := send(ctx, ann.API(), userInput(s, 1002), "second", randInt64())
		if wait, ok := tgerr.AsFloodWait(err); !ok || wait != 30*time.Second {
			return fmt.Errorf("got %v, want FLOOD_WAIT_30", err)
		}
		clock.Advance(10 * time.Second)
		_, err = send(ctx, ann.API(), userInput(s, 1002), "second", randInt64())
		if wait, ok := tgerr.AsFloodWait(err); !ok || wait != 20*time.Second {
			return fmt.Errorf("got %v, want FLOOD_WAIT_20", err)
		}
		return nil
	})
	run(t, bob, func(ctx context.Context) error {
		for i := range 3 {
			if _, err := send(ctx, bob.API(), userInput(s, 1001), fmt.Sprint("bob ", i), randInt64()); err != nil {
				return err
			}
		}
		return nil
	})
	hits := s.FaultHits()
	if len(hits) != 2 || hits[0].UserID != 1001 || hits[0].Phone != annPhone || hits[0].Method != "messages.sendMessage" ||
		hits[0].Error != "FLOOD_WAIT_30" || hits[1].Error != "FLOOD_WAIT_20" || hits[1].Time.Sub(hits[0].Time) < 10*time.Second {
		t.Fatalf("hits %+v", hits)
	}
	var out []FaultHit
	getJSON(t, "GET", s.ControlURL()+"/faults/hits", "", &out)
	if len(out) != 2 || out[0].Phone != annPhone {
		t.Fatalf("control hits %+v", out)
	}
	// A fault for an account the world does not have is refused.
	if err := s.SetFault(Fault{Method: "messages.sendMessage", Error: "FLOOD_WAIT_1", Phone: "9990000000"}); err == nil || !strings.Contains(err.Error(), "phone") {
		t.Fatalf("fault for an unknown phone: %v", err)
	}
	var e map[string]map[string]string
	if code := getJSON(t, "POST", s.ControlURL()+"/faults", `{"method": "messages.sendMessage", "error": "FLOOD_WAIT_1", "phone": "123"}`, &e); code != 400 {
		t.Fatalf("control fault for an unknown phone: %d %+v", code, e)
	}
}

// TestPeerFloodPerAccount: users[].peer_flood_after limits one account
// below the world's limit, and the record names the account that hit it.
func TestPeerFloodPerAccount(t *testing.T) {
	w := testWorld(t)
	for i := range w.Users {
		if w.Users[i].ID == 1001 {
			w.Users[i].PeerFloodAfter = 1
		}
	}
	s := startSandbox(t, w, Options{})
	var strangers []int64
	for _, id := range s.chats[5001].members {
		p := s.people[id]
		if p.generated && !p.Deleted && p.PrivacyStrangers == "allow" && len(strangers) < 4 {
			strangers = append(strangers, id)
		}
	}
	ann, bob := loggedIn(t, s, annPhone), loggedIn(t, s, bobPhone)
	run(t, ann, func(ctx context.Context) error {
		if _, err := send(ctx, ann.API(), userInput(s, strangers[0]), "hi", randInt64()); err != nil {
			return err
		}
		_, err := send(ctx, ann.API(), userInput(s, strangers[1]), "hi", randInt64())
		return wantRPC(t, err, "PEER_FLOOD")
	})
	// Bob has the world's limit of 3.
	run(t, bob, func(ctx context.Context) error {
		for _, id := range strangers[:3] {
			if _, err := send(ctx, bob.API(), userInput(s, id), "hi", randInt64()); err != nil {
				return err
			}
		}
		return nil
	})
	if hits := s.FaultHits(); len(hits) != 1 || hits[0].UserID != 1001 || hits[0].Error != "PEER_FLOOD" {
		t.Fatalf("hits %+v", hits)
	}
	if _, err := ParseWorld([]byte(`{"apps": [{"api_id": 1, "api_hash": "0123456789abcdef0123456789abcdef"}],
	  "users": [{"id": 1, "first_name": "A", "phone": "9996611001", "peer_flood_after": -1}]}`)); err == nil ||
		!strings.Contains(err.Error(), "users[0].peer_flood_after") {
		t.Fatalf("negative peer_flood_after: %v", err)
	}
}
