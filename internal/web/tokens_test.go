package web_test

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

func TestTokensPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		empty := ann.get("/tokens").wantStatus(t, http.StatusOK)
		empty.wantBody(t, "No API tokens yet", "<code>telegramate token create</code>")
		empty.wantNoBody(t, "`")

		token := ann.createToken(t, "CRM sync")
		list := ann.get("/tokens").wantStatus(t, http.StatusOK)
		list.wantBody(t, "CRM sync", token[:10]+"…", "Active")
		list.wantNoBody(t, token) // shown once, never again

		ann.api(http.MethodGet, "/api/v1/me", token).wantStatus(t, http.StatusOK).wantBody(t, `"email":"ann@example.com"`)

		// Bad name: message next to the field, no token.
		r := ann.post("/tokens", map[string][]string{"name": {"  "}}).wantStatus(t, http.StatusUnprocessableEntity)
		r.wantBody(t, "Give the token a name", "is-invalid")
		// The list beside the form shows the first token's short prefix;
		// a whole token value would mean one was made anyway.
		if full := regexp.MustCompile(`tgm_[a-z0-9]{20,}`).FindString(r.body); full != "" {
			t.Fatalf("a bad name showed a new token %q", full)
		}

		id := regexp.MustCompile(`action="/tokens/(\d+)/revoke"`).FindStringSubmatch(list.body)
		if id == nil {
			t.Fatalf("no revoke form:\n%s", list.body)
		}
		// Another user cannot revoke it.
		bob := e.loggedIn("bob@example.com")
		bob.post("/tokens/"+id[1]+"/revoke", nil).wantStatus(t, http.StatusNotFound).wantBody(t, "Token not found")
		ann.api(http.MethodGet, "/api/v1/me", token).wantStatus(t, http.StatusOK)

		ann.post("/tokens/"+id[1]+"/revoke", nil).wantRedirect(t, "/tokens")
		ann.get("/tokens").wantBody(t, "The token was revoked", "Revoked")

		r = ann.api(http.MethodGet, "/api/v1/me", token).wantStatus(t, http.StatusUnauthorized)
		if code, msg, _, _ := r.apiError(t); code != "unauthorized" || msg != "Invalid or revoked API token" {
			t.Fatalf("revoked token error: %s %q", code, msg)
		}
	})
}
