package main

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// cli runs telegramate in-process with the given data flags prepended to
// every command's own.
type cli struct {
	t    *testing.T
	data []string
}

func (c cli) run(stdin string, args ...string) (code int, stdout, stderr string) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	full := append(append([]string{}, args...), c.data...)
	code = run(context.Background(), full, &env{
		stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut,
		getenv: func(string) string { return "" },
	})
	return code, out.String(), errOut.String()
}

// eachDatabase runs body with flags for a fresh SQLite data directory and
// for a fresh PostgreSQL database.
func eachDatabase(t *testing.T, body func(t *testing.T, c cli, serveArgs []string)) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		body(t, cli{t, []string{"--data-dir", dir}}, []string{"--data-dir", dir})
	})
	t.Run("postgres", func(t *testing.T) {
		dir, db := t.TempDir(), testkit.Postgres(t)
		flags := []string{"--data-dir", dir, "--database-url", db, "--secret-key", apptest.TestKey}
		body(t, cli{t, flags}, flags)
	})
}

var tokenLine = regexp.MustCompile(`^tgm_[a-z2-7]{52}\n$`)

func TestUserCreateThenLogIn(t *testing.T) {
	eachDatabase(t, func(t *testing.T, c cli, serveArgs []string) {
		code, out, errOut := c.run("", "user", "create", "--email", "Ann@Example.com", "--password", "correct horse battery", "--admin")
		if code != 0 || !strings.Contains(out, "Created administrator ann@example.com") {
			t.Fatalf("user create: %d %q %q", code, out, errOut)
		}
		// The password may come on standard input instead.
		code, out, errOut = c.run("another long password\n", "user", "create", "--email", "bob@example.com")
		if code != 0 || !strings.Contains(out, "Created user bob@example.com") {
			t.Fatalf("user create from stdin: %d %q %q", code, out, errOut)
		}
		code, out, _ = c.run("", "user", "list")
		if code != 0 || !regexp.MustCompile(`(?m)^1\s+ann@example.com\s+yes`).MatchString(out) ||
			!regexp.MustCompile(`(?m)^2\s+bob@example.com\s+no`).MatchString(out) {
			t.Fatalf("user list: %d\n%s", code, out)
		}

		app := apptest.StartApp(t, apptest.AppArgs(serveArgs...))
		for _, u := range []struct{ email, password string }{
			{"ann@example.com", "correct horse battery"},
			{"bob@example.com", "another long password"},
		} {
			if loc := logIn(t, app.URL, u.email, u.password); loc != "/" {
				t.Fatalf("log in as %s after user create: redirected to %q, want /", u.email, loc)
			}
		}

		code, _, _ = c.run("", "user", "password", "--email", "bob@example.com", "--password", "a new long password")
		if code != 0 || logIn(t, app.URL, "bob@example.com", "a new long password") != "/" {
			t.Fatal("log in with the password set by user password failed")
		}
	})
}

func TestUserCreateRejectsBadInput(t *testing.T) {
	c := cli{t, []string{"--data-dir", t.TempDir()}}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--email", "not-an-email", "--password", "correct horse battery"}, 1, "This is not a valid email address"},
		{[]string{"--email", "ann@example.com", "--password", "short"}, 1, "Use at least 10 characters"},
		{[]string{"--password", "correct horse battery"}, 2, "--email is required"},
		{[]string{"--email", "ann@example.com", "--bogus"}, 2, "flag provided but not defined"},
	} {
		code, out, errOut := c.run("", append([]string{"user", "create"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.want) || out != "" {
			t.Errorf("user create %v: code %d stdout %q stderr %q; want %d and %q", tc.args, code, out, errOut, tc.code, tc.want)
		}
	}
	if _, out, _ := c.run("", "user", "list"); strings.Contains(out, "@") {
		t.Fatalf("bad input created users:\n%s", out)
	}
}

// TestWorkspaceAddMember: the instance's operator adds an existing user
// to someone's workspace; a bad role changes nothing.
func TestWorkspaceAddMember(t *testing.T) {
	eachDatabase(t, func(t *testing.T, c cli, _ []string) {
		for _, email := range []string{"ann@example.com", "ben@example.com"} {
			if code, _, errOut := c.run("", "user", "create", "--email", email, "--password", "correct horse battery"); code != 0 {
				t.Fatalf("user create: %s", errOut)
			}
		}
		code, out, errOut := c.run("", "workspace", "list", "--email", "ann@example.com")
		m := regexp.MustCompile(`(?m)^(\d+)\s+ann@example.com's workspace\s+owner$`).FindStringSubmatch(out)
		if code != 0 || m == nil {
			t.Fatalf("workspace list: %d %q %q", code, out, errOut)
		}
		if code, _, _ := c.run("", "workspace", "add-member", "--workspace", m[1], "--email", "ben@example.com", "--role", "owner"); code == 0 {
			t.Error("a second owner was added")
		}
		if code, _, errOut := c.run("", "workspace", "add-member", "--workspace", m[1], "--email", "ben@example.com", "--role", "operator"); code != 0 {
			t.Fatalf("add-member: %s", errOut)
		}
		code, out, _ = c.run("", "workspace", "list", "--email", "ben@example.com")
		if code != 0 || !regexp.MustCompile(`(?m)^`+m[1]+`\s+ann@example.com's workspace\s+operator$`).MatchString(out) {
			t.Errorf("ben's workspaces: %q", out)
		}
	})
}

// TestWorkspaceInvite: the command prints the one-time link the members
// page would show; a bad role changes nothing.
func TestWorkspaceInvite(t *testing.T) {
	eachDatabase(t, func(t *testing.T, c cli, _ []string) {
		if code, _, errOut := c.run("", "user", "create", "--email", "ann@example.com", "--password", "correct horse battery"); code != 0 {
			t.Fatalf("user create: %s", errOut)
		}
		_, out, _ := c.run("", "workspace", "list", "--email", "ann@example.com")
		m := regexp.MustCompile(`(?m)^(\d+)\s+ann@example.com's workspace\s+owner$`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("workspace list: %q", out)
		}
		if code, out, _ := c.run("", "workspace", "invite", "--workspace", m[1], "--email", "ben@example.com", "--role", "owner", "--base-url", "https://tg.example.com"); code == 0 || out != "" {
			t.Errorf("an invitation as owner: %d %q", code, out)
		}
		if code, _, errOut := c.run("", "workspace", "invite", "--workspace", m[1], "--email", "ben@example.com", "--role", "viewer"); code == 0 || !strings.Contains(errOut, "--base-url is required") {
			t.Errorf("without --base-url: %d %q", code, errOut)
		}
		code, out, errOut := c.run("", "workspace", "invite", "--workspace", m[1], "--email", "Ben@example.com", "--role", "viewer", "--base-url", "https://tg.example.com/")
		if code != 0 || !regexp.MustCompile(`^https://tg\.example\.com/invite/[A-Za-z0-9_-]{43}\n$`).MatchString(out) || !strings.Contains(errOut, "ben@example.com is invited as viewer") {
			t.Errorf("invite: %d %q %q", code, out, errOut)
		}
	})
}

func TestTokenCreatePrintsOnlyTheToken(t *testing.T) {
	eachDatabase(t, func(t *testing.T, c cli, serveArgs []string) {
		if code, _, errOut := c.run("", "user", "create", "--email", "ann@example.com", "--password", "correct horse battery"); code != 0 {
			t.Fatalf("user create: %s", errOut)
		}
		code, token, errOut := c.run("", "token", "create", "--email", "ann@example.com", "--name", "ci")
		if code != 0 || !tokenLine.MatchString(token) {
			t.Fatalf("token create: code %d, stdout %q (want the token alone), stderr %q", code, token, errOut)
		}
		token = strings.TrimSpace(token)

		app := apptest.StartApp(t, apptest.AppArgs(serveArgs...))
		if status := apiMe(t, app.URL, token); status != http.StatusOK {
			t.Fatalf("/api/v1/me with the CLI's token: %d", status)
		}

		code, out, _ := c.run("", "token", "list", "--email", "ann@example.com")
		m := regexp.MustCompile(`(?m)^(\d+)\s+ci\s+` + regexp.QuoteMeta(token[:10]) + `….*active$`).FindStringSubmatch(out)
		if code != 0 || m == nil {
			t.Fatalf("token list: %d\n%s", code, out)
		}
		if code, _, errOut := c.run("", "token", "revoke", "--email", "ann@example.com", "--id", m[1]); code != 0 {
			t.Fatalf("token revoke: %s", errOut)
		}
		if status := apiMe(t, app.URL, token); status != http.StatusUnauthorized {
			t.Fatalf("/api/v1/me with a revoked token: %d, want 401", status)
		}

		// --expires gives the token an end the list shows; a bad value is
		// refused before anything is made.
		if code, tok, errOut := c.run("", "token", "create", "--email", "ann@example.com", "--name", "week", "--expires", "7d"); code != 0 || !tokenLine.MatchString(tok) {
			t.Fatalf("token create --expires 7d: %d %q", code, errOut)
		}
		if _, out, _ := c.run("", "token", "list", "--email", "ann@example.com"); !regexp.MustCompile(`(?m)\sweek\s.*active until \d{4}-`).MatchString(out) {
			t.Fatalf("token list does not show the expiry:\n%s", out)
		}
		if code, _, errOut := c.run("", "token", "create", "--email", "ann@example.com", "--name", "bad", "--expires", "soon"); code != 2 || !strings.Contains(errOut, "want a number of days") {
			t.Fatalf("token create --expires soon: %d %q", code, errOut)
		}

		if code, out, errOut := c.run("", "token", "create", "--email", "nobody@example.com", "--name", "x"); code != 1 || out != "" ||
			!strings.Contains(errOut, "No user has the email nobody@example.com") || !strings.Contains(errOut, "telegramate user list") {
			t.Fatalf("token for an unknown user: %d %q %q", code, out, errOut)
		}
	})
}

func TestUsage(t *testing.T) {
	c := cli{t, nil}
	if code, _, errOut := c.run("", "serve", "--help"); code != 0 || !strings.Contains(errOut, "--signup closed") ||
		!strings.Contains(errOut, "-database-url") || !strings.Contains(errOut, "TELEGRAMATE_LISTEN") {
		t.Fatalf("serve --help: %d\n%s", code, errOut)
	}
	// The demo's --help names the folder it really uses and leaves out the
	// --telegram-* flags it refuses (it is its own Telegram).
	if code, _, errOut := c.run("", "demo", "--help"); code != 0 || !strings.Contains(errOut, `(default "./telegramate-demo")`) ||
		strings.Contains(errOut, "telegram-dc") || strings.Contains(errOut, "telegram-test-servers") {
		t.Fatalf("demo --help: %d\n%s", code, errOut)
	}
	if code, _, errOut := c.run("", "nope"); code != 2 || !strings.Contains(errOut, `unknown command "nope"`) {
		t.Fatalf("unknown command: %d %q", code, errOut)
	}
	if code, _, _ := c.run(""); code != 2 {
		t.Fatalf("no command: %d, want 2", code)
	}
}

func logIn(t *testing.T, base, email, password string) (location string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(base+"/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return ""
	}
	return resp.Header.Get("Location")
}

func apiMe(t *testing.T, base, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
