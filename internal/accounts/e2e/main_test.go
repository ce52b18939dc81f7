// Package e2e tests connecting Telegram accounts through the whole
// application (JSON API, web pages, a browser), against the sandbox over
// real MTProto.
package e2e_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/accounts/accountstest"
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

func TestMain(m *testing.M) {
	var err error
	sbx, err = sandbox.Start(context.Background(), accountstest.World(), sandbox.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(1)
	}
	testkit.Main(m)
}

type (
	app   = accountstest.App
	apiT  = api.LoginStep
	acctT = api.Account
)

// startApp runs Telegramate against the sandbox.
func startApp(t *testing.T, opts ...apptest.AppOption) *apptest.App {
	t.Helper()
	return apptest.StartApp(t, append([]apptest.AppOption{apptest.AppSandbox(t, sbx)}, opts...)...)
}

// client is a platform user of the app, calling the API with a token.
type client struct {
	t     *testing.T
	base  string
	token string
	id    int64
	email string
}

// newUser creates a user and an API token in the app's database.
func newUser(t *testing.T, a *apptest.App, email string) *client {
	t.Helper()
	st := openStore(t, a)
	defer st.Close()
	_, err := users.New(st, users.Options{SignupOpen: true, Hash: users.HashParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}).
		Create(context.Background(), users.NewUser{Email: email, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	return tokenFor(t, a, email)
}

// tokenFor makes an API token for an existing user.
func tokenFor(t *testing.T, a *apptest.App, email string) *client {
	t.Helper()
	st := openStore(t, a)
	defer st.Close()
	u, err := st.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := tokens.New(st).Create(context.Background(), u.ID, "tests")
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, base: a.URL, token: tok.Reveal(), id: u.ID, email: email}
}

// openStore opens the app's database beside the running app.
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

type response = apptest.Response

func (c *client) call(method, path string, body any) response {
	c.t.Helper()
	return apptest.APIClient{T: c.t, Base: c.base, Token: c.token}.Call(method, path, body)
}

// connect runs the whole login over the API and returns the account.
func (c *client) connect(a app, phone, password string) acctT {
	c.t.Helper()
	var s apiT
	c.call("POST", "/accounts", map[string]any{"api_id": a.ID, "api_hash": a.Hash, "phone": "+" + phone}).Into(c.t, 201, &s)
	c.call("POST", fmt.Sprintf("/accounts/%d/code", s.ID), map[string]string{"code": accountstest.Code(phone)}).Into(c.t, 200, &s)
	if password != "" {
		c.call("POST", fmt.Sprintf("/accounts/%d/password", s.ID), map[string]string{"password": password}).Into(c.t, 200, &s)
	}
	if s.Status != "active" {
		c.t.Fatalf("connected %s: %+v", phone, s)
	}
	return s.Account
}

func (c *client) events(id int64) []string {
	c.t.Helper()
	var out struct{ Activity []api.Activity }
	c.call("GET", fmt.Sprintf("/accounts/%d/activity", id), nil).Into(c.t, 200, &out)
	var ev []string
	for i := len(out.Activity) - 1; i >= 0; i-- {
		ev = append(ev, out.Activity[i].Event)
	}
	return ev
}

// browserClient is a logged-in web session (cookies), for page checks.
type browserClient struct {
	t    *testing.T
	base string
	http *http.Client
}

func signUp(t *testing.T, a *apptest.App, email string) *browserClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browserClient{t: t, base: a.URL, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	if r := b.post("/signup", url.Values{"email": {email}, "password": {"correct horse battery"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("sign up: %d %s", r.Status, r.Body)
	}
	return b
}

func (b *browserClient) get(path string) response {
	b.t.Helper()
	resp, err := b.http.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

func (b *browserClient) post(path string, form url.Values) response {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", b.base)
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// ageLogin moves an account's login back in time by d, as if its code had
// been sent d earlier (the app runs on the real clock).
func ageLogin(t *testing.T, a *apptest.App, email string, accountID int64, d time.Duration) {
	t.Helper()
	st := openStore(t, a)
	defer st.Close()
	ctx := context.Background()
	u, err := st.UserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.PendingLoginByAccount(ctx, u.ID, accountID)
	if err != nil {
		t.Fatal(err)
	}
	p.CodeSentAt, p.ExpiresAt = p.CodeSentAt.Add(-d), p.ExpiresAt.Add(-d)
	if err := st.UpdatePendingLogin(ctx, p); err != nil {
		t.Fatal(err)
	}
}

// startConnect submits the connect form and returns the new account's id.
func (b *browserClient) startConnect(app accountstest.App, phone string) int64 {
	b.t.Helper()
	r := b.post("/accounts/connect", url.Values{"api_id": {app.IDString()}, "api_hash": {app.Hash}, "phone": {"+" + phone}})
	var id int64
	if _, err := fmt.Sscanf(r.Header.Get("Location"), "/accounts/%d/code", &id); r.Status != http.StatusSeeOther || err != nil {
		b.t.Fatalf("connect answered %d %q: %s", r.Status, r.Header.Get("Location"), r.Body)
	}
	return id
}
