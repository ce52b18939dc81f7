// Package e2e tests campaigns through the whole application (web pages with
// live progress, a browser) against the sandbox over real MTProto.
package e2e_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
)

var sbx *sandbox.Server

const (
	apiID    = 2200001
	apiHash  = "1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a"
	apiID2   = 2200002
	apiHash2 = "2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b"
	phoneAnn = "9996611301" // code 11111
	phoneBob = "9996621302" // code 22222

	chatMeetup = 7301
	grace      = 5007 // replies with a text
	henry      = 5008 // replies STOP
	ivy        = 5009 // refuses messages from strangers
	botID      = 5019
)

// The world: Ann and Bob send; the Meetup group holds them and 20 people,
// one of them a bot, two who answer and one whose privacy refuses strangers.
const world = `{
  "dcs": [1],
  "apps": [{"api_id": 2200001, "api_hash": "1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a"},
           {"api_id": 2200002, "api_hash": "2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b"}],
  "users": [
    {"id": 4301, "phone": "9996611301", "first_name": "Ann", "last_name": "Lee", "username": "ann_sends"},
    {"id": 4302, "phone": "9996621302", "first_name": "Bob", "username": "bob_sends"},
    {"id": 5001, "first_name": "Alice", "last_name": "Moreau", "username": "alice_m"},
    {"id": 5002, "first_name": "Bruno", "username": "bruno_b"},
    {"id": 5003, "first_name": "Chloé", "last_name": "Durand", "username": "chloe_d"},
    {"id": 5004, "first_name": "Dmitri", "username": "dmitri_k"},
    {"id": 5005, "first_name": "Émile", "username": "emile_z"},
    {"id": 5006, "first_name": "Fatima", "last_name": "Ali", "username": "fatima_a"},
    {"id": 5007, "first_name": "Grace", "last_name": "Hopper", "username": "grace_h", "reply": "Thanks, I'll be there!"},
    {"id": 5008, "first_name": "Henry", "username": "henry_h", "reply": "STOP"},
    {"id": 5009, "first_name": "Ivy", "username": "ivy_private", "privacy_strangers": "deny"},
    {"id": 5010, "first_name": "Jonas", "username": "jonas_j"},
    {"id": 5011, "first_name": "Kenji", "last_name": "Sato", "username": "kenji_s"},
    {"id": 5012, "first_name": "Lena", "username": "lena_l"},
    {"id": 5013, "first_name": "Mateo", "username": "mateo_m"},
    {"id": 5014, "first_name": "Nadia", "username": "nadia_n"},
    {"id": 5015, "first_name": "Omar", "username": "omar_o"},
    {"id": 5016, "first_name": "Priya", "username": "priya_p"},
    {"id": 5017, "first_name": "Quentin", "username": "quentin_q"},
    {"id": 5018, "first_name": "Rosa", "username": "rosa_r"},
    {"id": 5019, "first_name": "Helper", "username": "meetup_bot", "bot": true},
    {"id": 5020, "first_name": "Sven", "username": "sven_s"}
  ],
  "chats": [
    {"id": 7301, "type": "supergroup", "title": "Meetup", "username": "meetup_group", "creator": 4302,
     "members": [4302, 4301, 5001, 5002, 5003, 5004, 5005, 5006, 5007, 5008, 5009, 5010,
                 5011, 5012, 5013, 5014, 5015, 5016, 5017, 5018, 5019, 5020]}
  ]
}`

func TestMain(m *testing.M) {
	w, err := sandbox.ParseWorld([]byte(world))
	if err == nil {
		sbx, err = sandbox.Start(context.Background(), w, sandbox.Options{Listen: "127.0.0.1:0"})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(1)
	}
	testkit.Main(m)
}

func startApp(t *testing.T, opts ...apptest.AppOption) *apptest.App {
	t.Helper()
	return startAppOn(t, sbx, opts...)
}

// startAppOn starts the app against sb.
func startAppOn(t *testing.T, sb *sandbox.Server, opts ...apptest.AppOption) *apptest.App {
	t.Helper()
	return apptest.StartApp(t, append([]apptest.AppOption{apptest.AppSandbox(t, sb)}, opts...)...)
}

// freshSandbox is a sandbox of the package's world for one test: its
// people have not yet answered anyone (a scripted reply comes once per
// pair of people, so the package's shared sandbox has used them up in
// whichever test ran first).
func freshSandbox(t *testing.T) *sandbox.Server {
	t.Helper()
	w, err := sandbox.ParseWorld([]byte(world))
	if err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.Start(t.Context(), w, sandbox.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatalf("sandbox: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	return sb
}

// extractChat extracts a chat's members with an account and waits for the
// list.
func extractChat(t *testing.T, c apptest.APIClient, account, chat int64) extract.Progress {
	t.Helper()
	var p extract.Progress
	c.Call("POST", "/extractions", map[string]any{"account_id": account, "chat_id": chat}).Into(t, 201, &p)
	testkit.EventuallyWith(t, time.Minute, fmt.Sprintf("extraction %d to end", p.ID), func() (bool, string) {
		c.Call("GET", fmt.Sprintf("/extractions/%d", p.ID), nil).Into(t, 200, &p)
		return p.Final(), fmt.Sprintf("still %s", p.Status)
	})
	if p.Status != "completed" {
		t.Fatalf("extraction %+v", p)
	}
	return p
}
