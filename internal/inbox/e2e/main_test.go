// Package e2e tests the inbox through the whole application (web pages,
// live updates, a browser) against the sandbox over real MTProto.
package e2e_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
)

var sbx *sandbox.Server

const (
	apiID    = 2300001
	apiHash  = "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"
	apiID2   = 2300002
	apiHash2 = "4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d"
	phoneAnn = "9996611401" // code 11111
	phoneBob = "9996621402" // code 22222

	tgAnn  = 4401
	tgBob  = 4402
	grace  = 5107 // replies to a campaign
	henry  = 5108 // replies to a campaign
	ivy    = 5109 // writes first
	kai    = 5111 // sends Ann a photo and a file (TestBrowserIncomingPhoto only)
	sendTo = "@grace_h"
)

// The world: Ann and Bob send; Grace and Henry answer campaigns; Ivy,
// whom neither account wrote to, writes to Bob first.
const world = `{
  "dcs": [1],
  "apps": [{"api_id": 2300001, "api_hash": "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"},
           {"api_id": 2300002, "api_hash": "4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d"}],
  "users": [
    {"id": 4401, "phone": "9996611401", "first_name": "Ann", "last_name": "Lee", "username": "ann_sends"},
    {"id": 4402, "phone": "9996621402", "first_name": "Bob", "username": "bob_sends"},
    {"id": 5107, "first_name": "Grace", "last_name": "Hopper", "username": "grace_h", "reply": "Thanks, I'll be there!"},
    {"id": 5108, "first_name": "Henry", "username": "henry_h", "reply": "What time does it start?"},
    {"id": 5109, "first_name": "Ivy", "last_name": "Stone", "username": "ivy_s"},
    {"id": 5110, "first_name": "Jonas", "username": "jonas_j"},
    {"id": 5111, "first_name": "Kai", "username": "kai_k"}
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
	return apptest.StartApp(t, append([]apptest.AppOption{apptest.AppSandbox(t, sbx)}, opts...)...)
}

// sendCampaign sends a campaign to usernames from one account, without
// an interval, and waits until it completed.
func sendCampaign(t *testing.T, c apptest.APIClient, name string, account int64, usernames ...string) int64 {
	t.Helper()
	var v map[string]any
	c.Call("POST", "/campaigns", map[string]any{"name": name, "message": "Hi {first_name|there}, our meetup is on Friday.",
		"audience": map[string]any{"usernames": usernames}, "sender_account_ids": []int64{account},
		"pacing": map[string]any{"min_interval_seconds": 0}}).Into(t, 201, &v)
	id := int64(v["id"].(float64))
	c.Call("POST", fmt.Sprintf("/campaigns/%d/start", id), nil).Into(t, 200, &v)
	testkit.EventuallyWith(t, time.Minute, "campaign "+name+" to complete", func() (bool, string) {
		c.Call("GET", fmt.Sprintf("/campaigns/%d", id), nil).Into(t, 200, &v)
		return v["status"] == "completed", fmt.Sprintf("still %v: %v", v["status"], v["counts"])
	})
	return id
}
