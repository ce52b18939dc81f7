// Package e2e tests member extraction through the whole application (JSON
// API, web pages with live progress, a browser) against the sandbox over
// real MTProto.
package e2e_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
	"github.com/telegramate/telegramate/internal/tokens"
	"github.com/telegramate/telegramate/internal/users"
	"github.com/telegramate/telegramate/internal/web/api"
)

// One sandbox for the package: a fresh auth key costs about a second.
var sbx *sandbox.Server

const (
	apiID    = 2100001
	apiHash  = "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a"
	apiID2   = 2100002
	apiHash2 = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
	phoneAnn = "9996611201" // code 11111
	phoneBob = "9996621202" // code 22222

	chatGoDevs = 7001 // 1,502 members
	chatNews   = 7002 // broadcast channel; Ann is not an admin
	world      = `{
	  "dcs": [1],
	  "apps": [{"api_id": 2100001, "api_hash": "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a"},
	           {"api_id": 2100002, "api_hash": "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"}],
	  "users": [
	    {"id": 4001, "phone": "9996611201", "first_name": "Ann", "last_name": "Lee", "username": "ann_lee"},
	    {"id": 4002, "phone": "9996621202", "first_name": "Bob", "username": "bob_owner"}
	  ],
	  "chats": [
	    {"id": 7001, "type": "supergroup", "title": "Go Devs", "username": "go_devs", "creator": 4002,
	     "members": [4002, 4001], "generate_members": {"count": 1500, "seed": 3}},
	    {"id": 7002, "type": "channel", "title": "News", "username": "news_chan", "creator": 4002,
	     "members": [4002, 4001], "generate_members": {"count": 50, "seed": 4}}
	  ]
	}`
)

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

// client calls the API with a user's token.
type client struct {
	t     *testing.T
	base  string
	token string
}

func openStore(t *testing.T, a *apptest.App) store.Store {
	t.Helper()
	st, err := storeopen.Open(context.Background(), storeopen.Options{
		DataDir: a.Config.DataDir, DatabaseURL: a.Config.DatabaseURL.Reveal(), NoMigrate: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// newUser creates a user (unless the browser signed up already) and an API
// token.
func newUser(t *testing.T, a *apptest.App, email string, create bool) *client {
	t.Helper()
	st := openStore(t, a)
	defer st.Close()
	ctx := context.Background()
	if create {
		_, err := users.New(st, users.Options{SignupOpen: true, Hash: users.HashParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}).
			Create(ctx, users.NewUser{Email: email, Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
	}
	u, err := st.UserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := tokens.New(st).Create(ctx, u.ID, "tests")
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, base: a.URL, token: tok.Reveal()}
}

type response = apptest.Response

func (c *client) call(method, path string, body any) response {
	c.t.Helper()
	return apptest.APIClient{T: c.t, Base: c.base, Token: c.token}.Call(method, path, body)
}

// connect logs a sandbox account in through the accounts API.
func (c *client) connect(id int, hash, phone string) int64 {
	c.t.Helper()
	var s api.LoginStep
	c.call("POST", "/accounts", map[string]any{"api_id": id, "api_hash": hash, "phone": "+" + phone}).Into(c.t, 201, &s)
	code := string([]byte{phone[5], phone[5], phone[5], phone[5], phone[5]})
	c.call("POST", fmt.Sprintf("/accounts/%d/code", s.ID), map[string]string{"code": code}).Into(c.t, 200, &s)
	if s.Status != "active" {
		c.t.Fatalf("connect %s: %+v", phone, s)
	}
	return s.ID
}
