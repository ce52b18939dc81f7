// Package a11y_test checks that every page of the UI is usable by everyone:
// axe-core's WCAG 2.1 AA rules on each page (found from the route list, not
// a list of its own) at a desktop's and a phone's width, and the main tasks
// done with the keyboard alone. It runs the whole app against the sandbox,
// so the pages hold realistic content.
package a11y_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
)

var sbx *sandbox.Server

const (
	// One API credential set per account, as Telegram wants: app(n) is
	// the n-th (1-5).
	phoneAnn  = "9996611501" // code 11111
	phoneBob  = "9996621502" // code 22222
	phoneCara = "9996631503" // code 33333, then her 2FA password
	phoneDan  = "9996641504" // code 44444
	phoneEve  = "9996651505" // code 55555
	tgAnn     = 4501
	grace     = 5201 // answers campaigns
	chatDevs  = 7501
	chatFans  = 7502 // Bob's extraction of it waits out a FLOOD_WAIT
)

// The world: Ann and Bob send; Cara has two-step verification; Dan and
// Eve are for connect flows left half-way; Grace answers; the Devs group
// has members to extract and to send a long campaign to.
const world = `{
  "dcs": [1],
  "apps": [{"api_id": 2500001, "api_hash": "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e51"},
           {"api_id": 2500002, "api_hash": "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e52"},
           {"api_id": 2500003, "api_hash": "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e53"},
           {"api_id": 2500004, "api_hash": "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e54"},
           {"api_id": 2500005, "api_hash": "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e55"}],
  "users": [
    {"id": 4501, "phone": "9996611501", "first_name": "Ann", "last_name": "Lee", "username": "ann_a11y"},
    {"id": 4502, "phone": "9996621502", "first_name": "Bob", "username": "bob_a11y"},
    {"id": 4503, "phone": "9996631503", "first_name": "Cara", "username": "cara_a11y", "password": "cara's secret", "password_hint": "the usual"},
    {"id": 4504, "phone": "9996641504", "first_name": "Dan", "username": "dan_a11y"},
    {"id": 4505, "phone": "9996651505", "first_name": "Eve", "username": "eve_a11y"},
    {"id": 5201, "first_name": "Grace", "last_name": "Hopper", "username": "grace_a11y", "reply": "Thanks, I'll be there!"},
    {"id": 5202, "first_name": "Henry", "username": "henry_a11y"}
  ],
  "chats": [
    {"id": 7501, "type": "supergroup", "title": "Go Devs", "username": "go_devs_a11y", "creator": 4502,
     "members": [4502, 4501], "generate_members": {"count": 120, "seed": 5}},
    {"id": 7502, "type": "supergroup", "title": "Go Fans", "username": "go_fans_a11y", "creator": 4502,
     "members": [4502], "generate_members": {"count": 600, "seed": 6}}
  ],
  "limits": {"page_size": 100},
  "faults": [{"method": "channels.getParticipants", "after": 1, "every": 1, "error": "FLOOD_WAIT_3600", "phone": "9996621502"}]
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

func startApp(t *testing.T) *apptest.App {
	t.Helper()
	return apptest.StartApp(t, apptest.AppSandbox(t, sbx))
}

// signUp signs a person up in b, which is then signed in as them.
func signUp(b *testkit.Browser, base, email string) {
	b.Do(
		chromedp.Navigate(base+"/signup"),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
	)
	b.Load(chromedp.Click(chromedp.CSS("#signup-submit")))
}

// app is the n-th API credential set of the world (1-5).
func app(n int) (int, string) {
	return 2500000 + n, fmt.Sprintf("5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5%d", n)
}

type object = map[string]any

func id(v object) int64 { return int64(v["id"].(float64)) }

// content fills the user's account the way weeks of use would: two
// connected accounts, a connect flow waiting for a code and one waiting
// for a 2FA password, a finished extraction and one waiting out a
// FLOOD_WAIT, a completed campaign whose
// reply opened an inbox conversation, a running campaign, a draft, a
// suppression, a webhook (to a receiver on 127.0.0.1) and a token.
func content(t *testing.T, c apptest.APIClient) {
	t.Helper()
	id1, hash1 := app(1)
	ann := c.Connect(id1, hash1, phoneAnn)
	id2, hash2 := app(2)
	bob := c.Connect(id2, hash2, phoneBob)
	var v object
	id4, hash4 := app(4)
	c.Call("POST", "/accounts", object{"api_id": id4, "api_hash": hash4, "phone": "+" + phoneDan}).Into(t, 201, &v)
	id3, hash3 := app(3)
	c.Call("POST", "/accounts", object{"api_id": id3, "api_hash": hash3, "phone": "+" + phoneCara}).Into(t, 201, &v)
	c.Call("POST", fmt.Sprintf("/accounts/%d/code", id(v)), object{"code": "33333"}).Into(t, 200, &v)
	if v["status"] != "password_needed" {
		t.Fatalf("Cara's login is %v, want it waiting for her password", v["status"])
	}

	c.Call("GET", fmt.Sprintf("/accounts/%d/chats", ann), nil).Into(t, 200, nil)
	c.Call("POST", "/extractions", object{"account_id": ann, "chat_id": chatDevs}).Into(t, 201, &v)
	ex := id(v)
	testkit.Eventually(t, time.Minute, "the extraction completes", func() bool {
		c.Call("GET", fmt.Sprintf("/extractions/%d", ex), nil).Into(t, 200, &v)
		return v["status"] == "completed"
	})

	// Telegram makes Bob wait an hour after the first page: his
	// extraction stays live (waiting) for the whole test.
	c.Call("GET", fmt.Sprintf("/accounts/%d/chats", bob), nil).Into(t, 200, nil)
	c.Call("POST", "/extractions", object{"account_id": bob, "chat_id": chatFans}).Into(t, 201, &v)
	waiting := id(v)
	testkit.Eventually(t, time.Minute, "Bob's extraction waits", func() bool {
		c.Call("GET", fmt.Sprintf("/extractions/%d", waiting), nil).Into(t, 200, &v)
		return v["status"] == "waiting"
	})

	c.Call("POST", "/campaigns", object{"name": "Friday meetup", "message": "Hi {first_name|there}, our meetup is on **Friday**.",
		"audience": object{"usernames": []string{"@grace_a11y", "@henry_a11y"}}, "sender_account_ids": []int64{ann},
		"pacing": object{"min_interval_seconds": 0}}).Into(t, 201, &v)
	done := id(v)
	c.Call("POST", fmt.Sprintf("/campaigns/%d/start", done), nil).Into(t, 200, &v)
	testkit.Eventually(t, time.Minute, "the meetup campaign completes", func() bool {
		c.Call("GET", fmt.Sprintf("/campaigns/%d", done), nil).Into(t, 200, &v)
		return v["status"] == "completed"
	})
	testkit.Eventually(t, time.Minute, "Grace's reply reaches the inbox", func() bool {
		var l struct{ Conversations []object }
		c.Call("GET", "/conversations", nil).Into(t, 200, &l)
		return len(l.Conversations) > 0
	})
	// Grace then sends a photo and a file: the thread shows the one and
	// links the other (both are served by the media route).
	if _, err := sbx.Write(grace, tgAnn, "", &sandbox.Media{Type: "photo", Data: smallJPEG(t)}); err != nil {
		t.Fatal(err)
	}
	if _, err := sbx.Write(grace, tgAnn, "The agenda", &sandbox.Media{Type: "document", Data: []byte("%PDF-1.4\n%agenda\n"),
		FileName: "agenda.pdf", MimeType: "application/pdf"}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, time.Minute, "Grace's photo and file reach the inbox", func() bool {
		var l struct {
			Conversations []struct {
				LastMessage struct{ Text string } `json:"last_message"`
			}
		}
		c.Call("GET", "/conversations", nil).Into(t, 200, &l)
		return len(l.Conversations) > 0 && l.Conversations[0].LastMessage.Text == "The agenda"
	})

	// Thirty seconds between two messages keeps this one running for the
	// whole test.
	c.Call("POST", "/campaigns", object{"name": "Devs launch", "message": "Hello {first_name|there}, we launch on Monday.",
		"audience": object{"extraction_ids": []int64{ex}}, "sender_account_ids": []int64{ann},
		"pacing": object{"min_interval_seconds": 30}}).Into(t, 201, &v)
	running := id(v)
	c.Call("POST", fmt.Sprintf("/campaigns/%d/start", running), nil).Into(t, 200, &v)
	// The draft attaches a photo, so its page shows one and links to the
	// stored file.
	c.Call("POST", "/campaigns", object{"name": "Autumn draft", "message": "Hi {first_name}!", "media_id": uploadPhoto(t, c),
		"audience": object{"usernames": []string{"@henry_a11y"}}, "sender_account_ids": []int64{ann}}).Into(t, 201, &v)

	c.Call("POST", "/suppressions", object{"username": "@henry_a11y", "reason": "asked to stop"}).Into(t, 201, nil)
	c.Call("POST", "/webhooks", object{"url": "https://hooks.example.com/telegramate", "events": []string{"message.received"}}).Into(t, 201, nil)
}

// invitationLink invites Bob into the signed-in person's first workspace
// and returns the one-time link (the Members page lists him as pending).
func invitationLink(t *testing.T, c apptest.APIClient) string {
	t.Helper()
	var ws struct {
		Workspaces []struct {
			ID int64 `json:"id"`
		} `json:"workspaces"`
	}
	c.Call("GET", "/workspaces", nil).Into(t, 200, &ws)
	if len(ws.Workspaces) == 0 {
		t.Fatal("no workspace to invite into")
	}
	var inv struct {
		URL string `json:"url"`
	}
	c.Call("POST", fmt.Sprintf("/workspaces/%d/invitations", ws.Workspaces[0].ID), object{"email": "bob@example.com", "role": "operator"}).Into(t, 201, &inv)
	return inv.URL
}

// uploadPhoto stores a small JPEG through POST /media and returns its id.
func uploadPhoto(t *testing.T, c apptest.APIClient) int64 {
	t.Helper()
	var m struct{ ID int64 }
	c.Upload("autumn.jpg", smallJPEG(t)).Into(t, 201, &m)
	return m.ID
}

// smallJPEG is a picture Telegram takes as a photo.
func smallJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 480, 320))
	for y := range 320 {
		for x := range 480 {
			img.Set(x, y, color.RGBA{uint8(x / 2), uint8(y / 2), 200, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
