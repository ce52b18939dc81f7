package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestPasswordChangeEndsOtherSessions: after a change on the settings page
// the browser that made it stays logged in and every other one is logged
// out; the old password no longer works.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		here := e.loggedIn("ann@example.com")
		elsewhere := e.client()
		elsewhere.logIn("ann@example.com", goodPassword).wantRedirect(t, "/")
		elsewhere.get("/settings").wantStatus(t, http.StatusOK)

		here.post("/settings/password", url.Values{"current_password": {"not it at all"}, "new_password": {"a brand new password"}}).
			wantStatus(t, http.StatusBadRequest).wantBody(t, "Your current password is not correct")
		elsewhere.get("/settings").wantStatus(t, http.StatusOK) // a refused change ends nothing

		here.post("/settings/password", url.Values{"current_password": {goodPassword}, "new_password": {"a brand new password"}}).
			wantRedirect(t, "/settings")
		here.get("/settings").wantStatus(t, http.StatusOK).wantBody(t, "Every other session was logged out")
		elsewhere.get("/settings").wantRedirect(t, "/login?next=%2Fsettings")
		e.client().logIn("ann@example.com", goodPassword).wantStatus(t, http.StatusUnauthorized)
		e.client().logIn("ann@example.com", "a brand new password").wantRedirect(t, "/")
	})
}

// TestCLIPasswordEndsEverySession: `telegramate user password` (SetPassword)
// logs out every browser of the user, and nobody else's.
func TestCLIPasswordEndsEverySession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		bob := e.loggedIn("bob@example.com")
		if err := e.users.SetPassword(context.Background(), "ann@example.com", "set by the operator"); err != nil {
			t.Fatal(err)
		}
		ann.get("/settings").wantRedirect(t, "/login?next=%2Fsettings")
		bob.get("/settings").wantStatus(t, http.StatusOK)
	})
}

var endSessionRe = regexp.MustCompile(`action="/settings/sessions/([A-Za-z0-9_-]+)/end"`)

// TestSessionsPageEndsSessions: the page lists the user's sessions (only
// theirs), ends one, and "Log out everywhere" ends all, this one included.
func TestSessionsPageEndsSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		here := e.loggedIn("ann@example.com")
		phone := e.client()
		phone.logIn("ann@example.com", goodPassword, "User-Agent", "AnnPhone/1.0")
		bob := e.loggedIn("bob@example.com")

		page := here.get("/settings").wantStatus(t, http.StatusOK)
		page.wantBody(t, "AnnPhone/1.0", "This browser", "Log out everywhere")
		ids := endSessionRe.FindAllStringSubmatch(page.body, -1)
		if len(ids) != 2 {
			t.Fatalf("%d sessions listed, want 2:\n%s", len(ids), page.body)
		}
		m := regexp.MustCompile(`(?s)AnnPhone/1\.0.*?action="/settings/sessions/([A-Za-z0-9_-]+)/end"`).FindStringSubmatch(page.body)
		if m == nil {
			t.Fatalf("no end form on the phone's row:\n%s", page.body)
		}
		phoneID := m[1]
		// Another user cannot end it.
		bob.post("/settings/sessions/"+phoneID+"/end", nil).wantStatus(t, http.StatusNotFound)
		phone.get("/settings").wantStatus(t, http.StatusOK)

		here.post("/settings/sessions/"+phoneID+"/end", nil).wantRedirect(t, "/settings")
		phone.get("/settings").wantRedirect(t, "/login?next=%2Fsettings")
		here.get("/settings").wantStatus(t, http.StatusOK)

		here.post("/settings/sessions/end-all", nil).wantRedirect(t, "/login")
		here.get("/settings").wantRedirect(t, "/login?next=%2Fsettings")
		bob.get("/settings").wantStatus(t, http.StatusOK)
	})
}

// TestExpiredTokenIsRefused: a token with an expiry works until then and
// is refused after with a 401 that says it expired.
func TestExpiredTokenIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		r := ann.post("/tokens", url.Values{"name": {"short-lived"}, "expires_days": {"7"}}).wantStatus(t, http.StatusCreated)
		token := tokenRe.FindStringSubmatch(r.body)[1]
		ann.get("/tokens").wantBody(t, "until ")
		ann.api(http.MethodGet, "/api/v1/me", token).wantStatus(t, http.StatusOK)

		ann.post("/tokens", url.Values{"name": {"x"}, "expires_days": {"soon"}}).
			wantStatus(t, http.StatusUnprocessableEntity).wantBody(t, "Enter the number of days")

		e.tokens.SetClock(func() time.Time { return time.Now().Add(8 * 24 * time.Hour) })
		r = ann.api(http.MethodGet, "/api/v1/me", token).wantStatus(t, http.StatusUnauthorized)
		if code, msg, hint, _ := r.apiError(t); code != "unauthorized" || !regexp.MustCompile(`^This API token expired on \d{4}-`).MatchString(msg) || hint == "" {
			t.Fatalf("expired token error: %s %q %q", code, msg, hint)
		}
	})
}
