package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/tokens"
	"github.com/telegramate/telegramate/internal/users"
	"github.com/telegramate/telegramate/internal/web"
	"github.com/telegramate/telegramate/internal/webhook"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var fastHash = users.HashParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

const goodPassword = "correct horse battery"

type env struct {
	t      *testing.T
	srv    *httptest.Server
	store  store.Store
	users  *users.Service
	tokens *tokens.Service
	deps   web.Deps
}

type option func(*web.Deps, *users.Options)

func signupClosed() option {
	return func(_ *web.Deps, o *users.Options) { o.SignupOpen = false }
}

func withDeps(fn func(*web.Deps)) option {
	return func(d *web.Deps, _ *users.Options) { fn(d) }
}

func newEnv(t *testing.T, s store.Store, opts ...option) *env {
	t.Helper()
	uo := users.Options{SignupOpen: true, Hash: fastHash}
	d := web.Deps{Store: s, Version: "test"}
	for _, o := range opts {
		o(&d, &uo)
	}
	d.Users = users.New(s, uo)
	d.Tokens = tokens.New(s)
	// These tests never reach Telegram; a call that tries (rotating an
	// account) fails at once on a closed local port.
	dcs, key := testkit.UnreachableTelegram(t)
	gw, err := telegram.New(telegram.Config{DCs: dcs, PublicKeyPEM: key, ConnectTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secrets.NewKeyring(secrets.Key{ID: "test", Secret: make([]byte, secrets.KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	if d.AccountService, err = accounts.New(accounts.Options{Store: s, Keyring: keys, Gateway: gw}); err != nil {
		t.Fatal(err)
	}
	if d.Extract, err = extract.New(extract.Options{Store: s, Accounts: d.AccountService}); err != nil {
		t.Fatal(err)
	}
	if d.Campaigns, err = campaign.New(campaign.Options{Store: s, Accounts: d.AccountService, Media: d.Media}); err != nil {
		t.Fatal(err)
	}
	if d.Inbox, err = inbox.New(inbox.Options{Store: s, Accounts: d.AccountService}); err != nil {
		t.Fatal(err)
	}
	// Test events are enqueued through a client that only inserts, as the
	// server does; webhookJobs works them.
	queue, err := jobs.New(context.Background(), jobs.Options{Store: s, InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.Webhooks, err = webhook.New(webhook.Options{Store: s, Keyring: keys, Queue: queue, AllowPrivate: true}); err != nil {
		t.Fatal(err)
	}
	h, err := web.New(d)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, store: s, users: d.Users, tokens: d.Tokens, deps: d}
}

// client is a browser-like client: it keeps cookies and does not follow
// redirects, so tests can check where they point.
type client struct {
	e    *env
	http *http.Client
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type response struct {
	*http.Response
	body string
}

func (c *client) do(req *http.Request) response {
	c.e.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp, string(b)}
}

func (c *client) get(path string, headers ...string) response {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.e.srv.URL+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

// post sends a form as a same-origin browser would.
func (c *client) post(path string, form url.Values, headers ...string) response {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", c.e.srv.URL)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

func (c *client) signUp(email, password string) response {
	c.e.t.Helper()
	return c.post("/signup", url.Values{"email": {email}, "password": {password}})
}

func (c *client) logIn(email, password string, headers ...string) response {
	c.e.t.Helper()
	return c.post("/login", url.Values{"email": {email}, "password": {password}}, headers...)
}

// loggedIn is a client of a new user.
func (e *env) loggedIn(email string) *client {
	e.t.Helper()
	c := e.client()
	if r := c.signUp(email, goodPassword); r.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("sign up %s: %d\n%s", email, r.StatusCode, r.body)
	}
	return c
}

func (r response) wantStatus(t *testing.T, code int) response {
	t.Helper()
	if r.StatusCode != code {
		t.Fatalf("%s %s: status %d, want %d\n%s", r.Request.Method, r.Request.URL.Path, r.StatusCode, code, r.body)
	}
	return r
}

func (r response) wantRedirect(t *testing.T, location string) {
	t.Helper()
	r.wantStatus(t, http.StatusSeeOther)
	if got := r.Header.Get("Location"); got != location {
		t.Fatalf("%s %s: redirect to %q, want %q", r.Request.Method, r.Request.URL.Path, got, location)
	}
}

func (r response) wantBody(t *testing.T, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(r.body, p) {
			t.Fatalf("%s %s: body lacks %q\n%s", r.Request.Method, r.Request.URL.Path, p, r.body)
		}
	}
}

func (r response) wantNoBody(t *testing.T, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(r.body, p) {
			t.Fatalf("%s %s: body has %q", r.Request.Method, r.Request.URL.Path, p)
		}
	}
}

// apiError decodes the API's error shape, failing on any other key.
func (r response) apiError(t *testing.T) (code, message, hint string, retryAfter int) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error Content-Type %q, want application/json", ct)
	}
	var raw map[string]map[string]any
	if err := json.Unmarshal([]byte(r.body), &raw); err != nil || len(raw) != 1 || raw["error"] == nil {
		t.Fatalf("error body %s is not {\"error\":{…}}", r.body)
	}
	for k := range raw["error"] {
		switch k {
		case "code", "message", "hint", "retry_after":
		default:
			t.Fatalf("error body has unexpected key %q: %s", k, r.body)
		}
	}
	e := raw["error"]
	code, _ = e["code"].(string)
	message, _ = e["message"].(string)
	hint, _ = e["hint"].(string)
	if f, ok := e["retry_after"].(float64); ok {
		retryAfter = int(f)
	}
	if code == "" || message == "" {
		t.Fatalf("error body without code or message: %s", r.body)
	}
	return code, message, hint, retryAfter
}

var tokenRe = regexp.MustCompile(`value="(tgm_[a-z2-7]+)"`)

// createToken makes a token on the tokens page and returns its value.
func (c *client) createToken(t *testing.T, name string) string {
	t.Helper()
	r := c.post("/tokens", url.Values{"name": {name}}).wantStatus(t, http.StatusCreated)
	m := tokenRe.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no token shown after creating one:\n%s", r.body)
	}
	return m[1]
}

func (c *client) api(method, path, token string) response {
	c.e.t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), method, c.e.srv.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return c.do(req)
}
