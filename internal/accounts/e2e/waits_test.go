package e2e_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
	"github.com/telegramate/telegramate/internal/web/api"
)

// The world of the waits test: three accounts in one supergroup, and a
// stranger who writes to them. Each engine gets a sandbox of its own, so
// the FLOOD_WAIT windows the sandbox keeps per person and method do not
// carry from one to the other.
const (
	waitsAnn     = "9996611301" // sends wait
	waitsBob     = "9996621302" // reading members waits
	waitsCleo    = "9996631303" // PEER_FLOOD
	waitsAnnID   = 5301
	waitsBobID   = 5302
	waitsCleoID  = 5303
	waitsStranID = 5304
	waitsChat    = 8301 // 300 generated members, the three accounts and its creator
	waitsWorld   = `{
	  "dcs": [1],
	  "apps": [{"api_id": 2300001, "api_hash": "1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a"},
	           {"api_id": 2300002, "api_hash": "2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b"},
	           {"api_id": 2300003, "api_hash": "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"}],
	  "users": [
	    {"id": 5301, "phone": "9996611301", "first_name": "Ann"},
	    {"id": 5302, "phone": "9996621302", "first_name": "Bob"},
	    {"id": 5303, "phone": "9996631303", "first_name": "Cleo"},
	    {"id": 5304, "phone": "9996641304", "first_name": "Stan", "username": "stan_writes"},
	    {"id": 5305, "phone": "9996651305", "first_name": "Olga"}
	  ],
	  "chats": [
	    {"id": 8301, "type": "supergroup", "title": "Makers", "creator": 5305,
	     "members": [5305, 5301, 5302, 5303], "generate_members": {"count": 300, "seed": 5}}
	  ]
	}`
	waitsMembers = 304
)

// TestWaitsStopOnlyTheirKind, on both engines, through the whole app over
// MTProto: a FLOOD_WAIT on sending stops the account's test sends (without
// asking Telegram again) and nothing else: its chat list, sessions page,
// an extraction and the messages people write to it go on; a FLOOD_WAIT
// on reading members stops the extraction and not the sends; PEER_FLOOD
// stops sending until a person resets it, while the chat list, the
// sessions page, an extraction and incoming messages go on.
func TestWaitsStopOnlyTheirKind(t *testing.T) {
	for name, opts := range map[string][]apptest.AppOption{"sqlite": nil, "postgres": {apptest.AppOnPostgres()}} {
		t.Run(name, func(t *testing.T) {
			w, err := sandbox.ParseWorld([]byte(waitsWorld))
			if err != nil {
				t.Fatal(err)
			}
			sb, err := sandbox.Start(context.Background(), w, sandbox.Options{Listen: "127.0.0.1:0", Key: testkit.RSAKey(t)})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { sb.Close() })
			a := apptest.StartApp(t, append([]apptest.AppOption{apptest.AppSandbox(t, sb)}, opts...)...)
			browser := signUp(t, a, "ann@example.com")
			u := tokenFor(t, a, "ann@example.com")
			c := apptest.APIClient{T: t, Base: u.base, Token: u.token}
			ann := c.Connect(2300001, "1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a", waitsAnn)
			bob := c.Connect(2300002, "2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b", waitsBob)
			cleo := c.Connect(2300003, "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c", waitsCleo)
			w8 := waitsCheck{sb: sb, base: u.base, token: u.token, browser: browser}

			t.Run("sends wait", func(t *testing.T) {
				w8.t = t
				fault(t, sb, sandbox.Fault{Method: "messages.sendMessage", Error: "FLOOD_WAIT_600", Phone: waitsAnn})
				r := w8.testSend(ann)
				if e := r.APIError(t, 429, "flood_wait"); e.Code == "" {
					t.Fatal("no flood_wait")
				}
				if s, _ := strconv.Atoi(r.Header.Get("Retry-After")); s < 590 || s > 600 {
					t.Errorf("Retry-After %q, want about 600", r.Header.Get("Retry-After"))
				}
				acct := w8.account(ann)
				if acct.Status != "flood_wait" || acct.RetryAfter < 590 || !hasWait(acct, "send") || hasWait(acct, "members") {
					t.Errorf("account after a FLOOD_WAIT on sending: %+v", acct)
				}
				if p := w8.page(ann); !strings.Contains(p, "Waiting for Telegram until") || !strings.Contains(p, "Telegram asked this account to wait until") {
					t.Error("the account's page does not say sending waits")
				}
				sent := sb.Counts()["messages.sendMessage"]
				w8.testSend(ann).APIError(t, 429, "flood_wait")
				if n := sb.Counts()["messages.sendMessage"]; n != sent {
					t.Errorf("a send during the wait reached Telegram (%d calls, %d before)", n, sent)
				}
				w8.goesOn(ann, waitsAnnID, "Ann, hello while you wait")
			})

			t.Run("members wait", func(t *testing.T) {
				w8.t = t
				c := w8.api()
				fault(t, sb, sandbox.Fault{Method: "channels.getParticipants", Error: "FLOOD_WAIT_600", Phone: waitsBob})
				w8.chats(bob)
				var p extract.Progress
				c.Call("POST", "/extractions", map[string]any{"account_id": bob, "chat_id": waitsChat}).Into(t, 201, &p)
				testkit.Eventually(t, 60*time.Second, "Bob's wait on reading members", func() bool {
					return hasWait(w8.account(bob), "members")
				})
				if acct := w8.account(bob); acct.Status != "active" || hasWait(acct, "send") {
					t.Errorf("a wait on reading members changed the account: %+v", acct)
				}
				if p := w8.page(bob); !strings.Contains(p, `data-kind="members"`) || !strings.Contains(p, "Reading members") || strings.Contains(p, "Waiting for Telegram until") {
					t.Error("the account's page does not list the wait on reading members alone")
				}
				before := len(sb.Messages())
				w8.testSend(bob).Into(t, 204, nil)
				if len(sb.Messages()) != before+1 {
					t.Error("the test send did not reach Telegram")
				}
				w8.sessions(bob)
			})

			t.Run("peer flood", func(t *testing.T) {
				w8.t = t
				c := w8.api()
				fault(t, sb, sandbox.Fault{Method: "messages.sendMessage", Error: "PEER_FLOOD", Phone: waitsCleo})
				w8.testSend(cleo).APIError(t, 409, "account_limited")
				if acct := w8.account(cleo); acct.Status != "limited" {
					t.Fatalf("account after PEER_FLOOD: %+v", acct)
				}
				if p := w8.page(cleo); !strings.Contains(p, "Limited by Telegram") || !strings.Contains(p, `id="reset-limit"`) {
					t.Error("the account's page does not show the limit and its reset button")
				}
				sent := sb.Counts()["messages.sendMessage"]
				w8.testSend(cleo).APIError(t, 409, "account_limited")
				if n := sb.Counts()["messages.sendMessage"]; n != sent {
					t.Errorf("a limited account's send reached Telegram (%d calls, %d before)", n, sent)
				}
				w8.goesOn(cleo, waitsCleoID, "Cleo, hello while you are limited")
				sb.ClearFaults()
				c.Call("POST", fmt.Sprintf("/accounts/%d/reset-limit", cleo), nil).Into(t, 200, nil)
				w8.testSend(cleo).Into(t, 204, nil)
			})
		})
	}
}

func fault(t *testing.T, sb *sandbox.Server, f sandbox.Fault) {
	t.Helper()
	sb.ClearFaults()
	if err := sb.SetFault(f); err != nil {
		t.Fatal(err)
	}
}

func hasWait(a api.Account, kind string) bool {
	return slices.ContainsFunc(a.Waits, func(w api.Wait) bool { return w.Kind == kind && w.RetryAfter > 0 })
}

type waitsCheck struct {
	t           *testing.T
	sb          *sandbox.Server
	base, token string
	browser     *browserClient
}

// page is the account's page as a person sees it.
func (w waitsCheck) page(id int64) string {
	w.t.Helper()
	b := *w.browser
	b.t = w.t
	r := b.get(fmt.Sprintf("/accounts/%d", id))
	if r.Status != 200 {
		w.t.Fatalf("account page: %d", r.Status)
	}
	return string(r.Body)
}

// api calls the app as the user, failing w's test.
func (w waitsCheck) api() apptest.APIClient {
	return apptest.APIClient{T: w.t, Base: w.base, Token: w.token}
}

func (w waitsCheck) testSend(acct int64) apptest.Response {
	return w.api().Call("POST", "/campaigns/test-send", map[string]any{"account_id": acct, "message": "Test {first_name}"})
}

func (w waitsCheck) account(id int64) api.Account {
	w.t.Helper()
	var a api.Account
	w.api().Call("GET", fmt.Sprintf("/accounts/%d", id), nil).Into(w.t, 200, &a)
	return a
}

// chats lists the account's chats afresh from Telegram.
func (w waitsCheck) chats(id int64) {
	w.t.Helper()
	var chats struct{ Chats []api.Chat }
	w.api().Call("GET", fmt.Sprintf("/accounts/%d/chats?refresh=true", id), nil).Into(w.t, 200, &chats)
	if len(chats.Chats) != 1 || chats.Chats[0].ID != waitsChat {
		w.t.Errorf("chats %+v", chats)
	}
}

func (w waitsCheck) sessions(id int64) {
	w.t.Helper()
	var s struct{ Sessions []map[string]any }
	w.api().Call("GET", fmt.Sprintf("/accounts/%d/sessions", id), nil).Into(w.t, 200, &s)
	if len(s.Sessions) == 0 {
		w.t.Errorf("no sessions listed")
	}
}

// goesOn checks what must go on while the account's sending waits or is
// limited: its chat list, its sessions page, an extraction of the chat to
// the end, and a stranger's message reaching the inbox.
func (w waitsCheck) goesOn(id, tgID int64, text string) {
	w.t.Helper()
	w.chats(id)
	w.sessions(id)
	var p extract.Progress
	w.api().Call("POST", "/extractions", map[string]any{"account_id": id, "chat_id": waitsChat}).Into(w.t, 201, &p)
	// Not ending is reported below with what it came to, and the inbox is
	// checked all the same.
	testkit.Until(90*time.Second, func() bool {
		w.api().Call("GET", fmt.Sprintf("/extractions/%d", p.ID), nil).Into(w.t, 200, &p)
		return p.Final()
	})
	if p.Status != "completed" || p.Fetched != waitsMembers {
		w.t.Errorf("extraction while sending waits: %+v", p)
	}
	if _, err := w.sb.Write(waitsStranID, tgID, text, nil); err != nil {
		w.t.Fatal(err)
	}
	testkit.Eventually(w.t, 30*time.Second, "the stranger's message in the inbox", func() bool {
		var l struct {
			Conversations []api.Conversation `json:"conversations"`
		}
		w.api().Call("GET", fmt.Sprintf("/conversations?account_id=%d", id), nil).Into(w.t, 200, &l)
		return slices.ContainsFunc(l.Conversations, func(c api.Conversation) bool { return c.LastMessage.Text == text })
	})
}
