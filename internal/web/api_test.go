package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

func TestAPIRequiresBearerToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		c := e.client()
		for _, tc := range []struct{ name, auth string }{
			{"missing", ""},
			{"not bearer", "Basic YW5uOnB3"},
			{"unknown token", "Bearer tgm_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
			{"garbage", "Bearer hello"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1/me", nil)
				if tc.auth != "" {
					req.Header.Set("Authorization", tc.auth)
				}
				r := c.do(req).wantStatus(t, http.StatusUnauthorized)
				code, _, hint, _ := r.apiError(t)
				if code != "unauthorized" || !strings.Contains(hint, "Bearer") {
					t.Fatalf("code %q hint %q", code, hint)
				}
				if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Fatalf("WWW-Authenticate %q", r.Header.Get("WWW-Authenticate"))
				}
			})
		}
	})
}

func TestAPIMe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		token := ann.createToken(t, "script")
		r := e.client().api(http.MethodGet, "/api/v1/me", token).wantStatus(t, http.StatusOK)
		var me struct {
			ID      int64  `json:"id"`
			Email   string `json:"email"`
			IsAdmin bool   `json:"is_admin"`
		}
		if err := json.Unmarshal([]byte(r.body), &me); err != nil {
			t.Fatal(err)
		}
		if me.ID == 0 || me.Email != "ann@example.com" || me.IsAdmin { // signing up first makes nobody an admin
			t.Fatalf("/me = %+v", me)
		}
		if strings.Contains(r.body, "$schema") || strings.Contains(strings.ToLower(r.body), "password") {
			t.Fatalf("/me leaks internals: %s", r.body)
		}
	})
}

func TestAPIErrorsHaveOneShape(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		token := e.loggedIn("ann@example.com").createToken(t, "script")
		c := e.client()

		r := c.api(http.MethodGet, "/api/v1/nope", token).wantStatus(t, http.StatusNotFound)
		if code, _, _, _ := r.apiError(t); code != "not_found" {
			t.Fatalf("unknown endpoint code %q", code)
		}
		// A known path with another method is 405 with Allow, in the same shape.
		r = c.api(http.MethodPut, "/api/v1/me", token).wantStatus(t, http.StatusMethodNotAllowed)
		if code, msg, _, _ := r.apiError(t); code != "method_not_allowed" || !strings.Contains(msg, "PUT") {
			t.Fatalf("PUT /me reads %q %q", code, msg)
		}
		if allow := r.Header.Get("Allow"); allow != "GET, HEAD" {
			t.Errorf("Allow: %q", allow)
		}
		// A cross-origin browser request to the API is refused in the same shape.
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/me", nil)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		r = c.do(req).wantStatus(t, http.StatusForbidden)
		if code, _, _, _ := r.apiError(t); code != "cross_origin_refused" {
			t.Fatalf("cross-origin code %q", code)
		}
	})
}

func TestOpenAPIDocument(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		c := e.client()
		r := c.get("/api/v1/openapi.json").wantStatus(t, http.StatusOK)
		var doc struct {
			Paths      map[string]any `json:"paths"`
			Security   []map[string]any
			Components struct {
				SecuritySchemes map[string]any `json:"securitySchemes"`
				Schemas         map[string]any `json:"schemas"`
			} `json:"components"`
		}
		if err := json.Unmarshal([]byte(r.body), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Paths["/me"] == nil || doc.Components.SecuritySchemes["bearer"] == nil || len(doc.Security) == 0 {
			t.Fatalf("OpenAPI document lacks /me or bearer security: %s", r.body)
		}
		if doc.Components.Schemas["ErrorResponse"] == nil {
			t.Fatalf("OpenAPI document does not describe the error shape")
		}
		docs := c.get("/api/v1/docs").wantStatus(t, http.StatusOK)
		docs.wantBody(t, "/static/vendor/swagger-ui/swagger-ui-bundle.js", "/api/v1/openapi.json", `<a href="/"`, `<a href="/tokens"`)
		docs.wantNoBody(t, "unpkg.com", "cdn")
		c.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").wantStatus(t, http.StatusOK)
	})
}
