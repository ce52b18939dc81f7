package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/web"
)

func TestSignUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		c := e.client()
		c.get("/signup").wantStatus(t, http.StatusOK).wantBody(t, `name="email"`, `name="password"`)

		c.signUp("Ann@Example.com", goodPassword).wantRedirect(t, "/")
		// The first user lands on the dashboard with the yellow alert, an
		// ordinary user (administrators come from the CLI).
		home := c.get("/").wantStatus(t, http.StatusOK)
		home.wantBody(t, "ann@example.com", `id="connect-telegram-alert"`, "Connect Telegram Account", `href="/accounts/connect"`,
			"Welcome to Telegramate")
		home.wantNoBody(t, "instance administrator")
	})
}

func TestSignUpBadInputShowsMessageNextToFieldAndChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		e.client().signUp("ann@example.com", goodPassword).wantStatus(t, http.StatusSeeOther)

		for _, tc := range []struct {
			name, email, password string
			status                int
			want                  []string
		}{
			{"bad email", "ann.example.com", goodPassword, http.StatusUnprocessableEntity,
				[]string{`id="email" name="email"`, "is-invalid", "This is not a valid email address", `value="ann.example.com"`}},
			{"short password", "bob@example.com", "short", http.StatusUnprocessableEntity,
				[]string{"Use at least 10 characters", `value="bob@example.com"`}},
			// Every mistake is shown at once, as on the connect form, not
			// one per round trip.
			{"bad email and short password", "ann.example.com", "short", http.StatusUnprocessableEntity,
				[]string{"This is not a valid email address", "Use at least 10 characters",
					`is-invalid" id="password"`, `value="ann.example.com"`}},
			{"duplicate email", "ANN@example.com", goodPassword, http.StatusConflict,
				[]string{"An account with this email already exists", `data-code="email_taken"`}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := e.client()
				r := c.signUp(tc.email, tc.password).wantStatus(t, tc.status)
				r.wantBody(t, tc.want...)
				r.wantBody(t, `class="invalid-feedback d-block"`)
				r.wantNoBody(t, tc.password) // a password is never echoed back
				// Still logged out.
				c.get("/").wantRedirect(t, "/login")
			})
		}
		list, err := e.users.List(t.Context())
		if err != nil || len(list) != 1 {
			t.Fatalf("users after bad sign-ups: %d (%v), want 1", len(list), err)
		}
	})
}

func TestLogInAndOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		e.loggedIn("ann@example.com")

		c := e.client()
		c.get("/tokens").wantRedirect(t, "/login?next=%2Ftokens")
		c.get("/login").wantStatus(t, http.StatusOK).wantBody(t, "Log in", `href="/signup"`)

		r := c.logIn("ann@example.com", "not the password").wantStatus(t, http.StatusUnauthorized)
		r.wantBody(t, `id="page-error"`, "Incorrect email or password", `value="ann@example.com"`)
		r.wantNoBody(t, "not the password")

		// Logging out (even of nothing) leaves a session holding the flash;
		// logging in must hand out a new session token.
		c.post("/logout", nil).wantRedirect(t, "/login")
		before := sessionCookie(c, e)
		if before == "" {
			t.Fatal("no session cookie after log-out flash")
		}
		c.post("/login?next=/tokens", url.Values{"email": {"ann@example.com"}, "password": {goodPassword}}).wantRedirect(t, "/tokens")
		if after := sessionCookie(c, e); after == before || after == "" {
			t.Fatalf("session token not renewed on log-in: before %q after %q", before, after)
		}
		c.get("/").wantStatus(t, http.StatusOK).wantBody(t, "ann@example.com")

		// An open redirect is refused.
		c.post("/logout", nil).wantRedirect(t, "/login")
		c.post("/login?next=//evil.example/x", url.Values{"email": {"ann@example.com"}, "password": {goodPassword}}).wantRedirect(t, "/")

		c.post("/logout", nil).wantRedirect(t, "/login")
		c.get("/login").wantBody(t, "You have been logged out.")
		c.get("/").wantRedirect(t, "/login")
	})
}

func sessionCookie(c *client, e *env) string {
	u, _ := url.Parse(e.srv.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == "telegramate_session" {
			return ck.Value
		}
	}
	return ""
}

func TestFailedLogInsAreThrottled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		e.loggedIn("ann@example.com")
		c := e.client()
		for i := range 4 {
			if r := c.logIn("ann@example.com", "wrong password"); r.StatusCode != http.StatusUnauthorized {
				t.Fatalf("failure %d: status %d, want 401", i+1, r.StatusCode)
			}
		}
		r := c.logIn("ann@example.com", "wrong password").wantStatus(t, http.StatusTooManyRequests)
		r.wantBody(t, "Too many failed log-in attempts", "Try again in 15 minutes", `data-code="too_many_attempts"`)
		if got := r.Header.Get("Retry-After"); got != "900" {
			t.Fatalf("Retry-After %q, want 900", got)
		}
		// Even the right password waits now.
		c.logIn("ann@example.com", goodPassword).wantStatus(t, http.StatusTooManyRequests)
	})
}

func TestCrossOriginPostIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		c := e.loggedIn("ann@example.com")
		form := url.Values{"name": {"stolen"}}
		c.post("/tokens", form, "Sec-Fetch-Site", "cross-site").wantStatus(t, http.StatusForbidden).wantBody(t, "Cross-origin request refused")
		c.post("/tokens", form, "Sec-Fetch-Site", "", "Origin", "http://evil.example").wantStatus(t, http.StatusForbidden)
		c.post("/logout", nil, "Sec-Fetch-Site", "cross-site").wantStatus(t, http.StatusForbidden)
		// Nothing happened: no token, still logged in.
		c.get("/tokens").wantStatus(t, http.StatusOK).wantNoBody(t, "stolen")
		// The same form from our own origin works.
		c.post("/tokens", form).wantStatus(t, http.StatusCreated)
	})
}

func TestClosedSignUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s, signupClosed())
		c := e.client()
		c.get("/signup").wantStatus(t, http.StatusForbidden).wantBody(t, "Sign-up is closed on this instance")
		c.signUp("ann@example.com", goodPassword).wantStatus(t, http.StatusForbidden)
		c.get("/login").wantNoBody(t, `href="/signup"`)
		if list, _ := e.users.List(t.Context()); len(list) != 0 {
			t.Fatalf("closed sign-up created %d users", len(list))
		}
	})
}

// TestFirstSignUpIsNotAdmin: a stranger who reaches a fresh instance's
// sign-up page before its owner gets an ordinary account, not the
// administrator's, and cannot open every user's jobs.
func TestFirstSignUpIsNotAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s, withDeps(func(d *web.Deps) {
			d.JobsUI = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("river ui")) })
		}))
		first := e.loggedIn("stranger@example.com")
		first.get("/admin/jobs").wantStatus(t, http.StatusForbidden).wantNoBody(t, "river ui")
	})
}

// TestStrangersCannotLockOutTheOwner: failed log-ins by strangers lock the
// email for them, but a browser that logged in as the owner before still
// logs in; its own failures are limited on their own.
func TestStrangersCannotLockOutTheOwner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		e.loggedIn("ann@example.com")
		owner := e.client()
		owner.logIn("ann@example.com", goodPassword).wantRedirect(t, "/")
		owner.post("/logout", nil)

		stranger := e.client()
		for range 6 {
			stranger.logIn("ann@example.com", "guessing away")
		}
		stranger.logIn("ann@example.com", goodPassword).wantStatus(t, http.StatusTooManyRequests)
		e.client().logIn("ann@example.com", goodPassword).wantStatus(t, http.StatusTooManyRequests)

		owner.logIn("ann@example.com", goodPassword).wantRedirect(t, "/")
		owner.post("/logout", nil)
		for range 5 {
			owner.logIn("ann@example.com", "owner typo")
		}
		owner.logIn("ann@example.com", goodPassword).wantStatus(t, http.StatusTooManyRequests)
	})
}

// TestSignUpProbingIsThrottled: asking sign-up whether emails are taken
// costs a client what guessing passwords does; past the limit it is
// refused.
func TestSignUpProbingIsThrottled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		e.loggedIn("ann@example.com")
		prober := e.client()
		for range 20 {
			prober.signUp("ann@example.com", goodPassword).wantStatus(t, http.StatusConflict)
		}
		prober.signUp("ann@example.com", goodPassword).wantStatus(t, http.StatusTooManyRequests).wantBody(t, "Too many attempts from your address")
		prober.signUp("new@example.com", goodPassword).wantStatus(t, http.StatusTooManyRequests)
	})
}
