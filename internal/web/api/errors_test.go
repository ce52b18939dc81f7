package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/tokens"
	"github.com/telegramate/telegramate/internal/web/api"
)

func TestMain(m *testing.M) { testkit.Main(m) }

type echoInput struct {
	Body struct {
		N int `json:"n" minimum:"1"`
	}
}

// startInput and membersInput ask for what POST /extractions and GET
// /extractions/{id}/members do.
type startInput struct {
	Body struct {
		AccountID int64  `json:"account_id"`
		ChatID    int64  `json:"chat_id,omitempty"`
		Chat      string `json:"chat,omitempty" maxLength:"200"`
	}
}

type membersInput struct {
	SeenWithin int    `query:"seen_within" minimum:"0"`
	Sort       string `query:"sort" enum:"position,name,username,last_seen" default:"position"`
}

// server has the API plus public test endpoints that fail in the ways
// real handlers will.
func server(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	a := api.New(mux, api.Deps{Tokens: tokens.New(storetest.SQLite(t))})
	public := []map[string][]string{}
	huma.Register(a.Huma(), huma.Operation{Method: http.MethodPost, Path: "/echo", Security: public},
		func(ctx context.Context, in *echoInput) (*struct{}, error) { return nil, nil })
	huma.Register(a.Huma(), huma.Operation{Method: http.MethodPost, Path: "/start", Security: public},
		func(ctx context.Context, in *startInput) (*struct{}, error) {
			// A domain check that says what is wrong but not what to do.
			return nil, fmt.Errorf("resolve: %w", apperr.Validation("chat", "Enter a @username or a t.me link of a group or channel"))
		})
	huma.Register(a.Huma(), huma.Operation{Method: http.MethodGet, Path: "/members", Security: public},
		func(ctx context.Context, in *membersInput) (*struct{}, error) { return nil, nil })
	huma.Register(a.Huma(), huma.Operation{Method: http.MethodGet, Path: "/flood", Security: public},
		func(ctx context.Context, _ *struct{}) (*struct{}, error) {
			return nil, fmt.Errorf("send code: %w", (&apperr.Error{
				Code: "flood_wait", Message: "Too many attempts", Hint: "Try again in 37 seconds.", Status: http.StatusTooManyRequests,
			}).WithRetryAfter(36200*time.Millisecond))
		})
	huma.Register(a.Huma(), huma.Operation{Method: http.MethodGet, Path: "/boom", Security: public},
		func(ctx context.Context, _ *struct{}) (*struct{}, error) {
			return nil, errors.New("pq: password authentication failed for secret-host")
		})
	huma.Register(a.Huma(), huma.Operation{Method: http.MethodGet, Path: "/gone", Security: public},
		func(ctx context.Context, _ *struct{}) (*struct{}, error) {
			return nil, huma.Error404NotFound("no such thing")
		})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func call(t *testing.T, method, url, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var doc map[string]map[string]any
	if err := json.Unmarshal(b, &doc); err != nil || len(doc) != 1 || doc["error"] == nil {
		t.Fatalf("%s %s: body %s is not {\"error\":{…}}", method, url, b)
	}
	for k := range doc["error"] {
		if k != "code" && k != "message" && k != "hint" && k != "retry_after" {
			t.Fatalf("unexpected key %q in %s", k, b)
		}
	}
	return resp, doc["error"]
}

func TestHumaErrorsHaveOurShape(t *testing.T) {
	srv := server(t)

	resp, e := call(t, http.MethodPost, srv.URL+"/api/v1/echo", `{"n": "seven"}`)
	if resp.StatusCode != http.StatusUnprocessableEntity || e["code"] != "validation_failed" ||
		e["message"] != "n must be a whole number" {
		t.Fatalf("validation error: %d %v", resp.StatusCode, e)
	}
	resp, e = call(t, http.MethodPost, srv.URL+"/api/v1/echo", `{"n": 0}`)
	if resp.StatusCode != http.StatusUnprocessableEntity || e["code"] != "validation_failed" {
		t.Fatalf("minimum violated: %d %v", resp.StatusCode, e)
	}
	resp, e = call(t, http.MethodPost, srv.URL+"/api/v1/echo", `{not json`)
	if resp.StatusCode/100 != 4 || e["code"] != "validation_failed" {
		t.Fatalf("bad JSON: %d %v", resp.StatusCode, e)
	}

	// A body sent without Content-Type: application/json (curl -d's
	// default) must say so, not "Validation failed".
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/echo", strings.NewReader(`{"n": 1}`))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ct struct{ Error map[string]string }
	_ = json.NewDecoder(res.Body).Decode(&ct)
	res.Body.Close()
	if res.StatusCode != http.StatusUnsupportedMediaType || ct.Error["code"] != "unsupported_media_type" ||
		!strings.Contains(ct.Error["message"], "JSON") || !strings.Contains(ct.Error["hint"], "Content-Type: application/json") {
		t.Fatalf("form-encoded body: %d %v", res.StatusCode, ct.Error)
	}

	resp, e = call(t, http.MethodGet, srv.URL+"/api/v1/flood", "")
	if resp.StatusCode != http.StatusTooManyRequests || e["code"] != "flood_wait" ||
		e["retry_after"] != float64(37) || resp.Header.Get("Retry-After") != "37" {
		t.Fatalf("wrapped domain error: %d %v Retry-After=%q", resp.StatusCode, e, resp.Header.Get("Retry-After"))
	}

	resp, e = call(t, http.MethodGet, srv.URL+"/api/v1/boom", "")
	if resp.StatusCode != http.StatusInternalServerError || e["code"] != "internal_error" ||
		strings.Contains(e["message"].(string)+e["hint"].(string), "secret-host") {
		t.Fatalf("internal error: %d %v", resp.StatusCode, e)
	}

	resp, e = call(t, http.MethodGet, srv.URL+"/api/v1/gone", "")
	if resp.StatusCode != http.StatusNotFound || e["code"] != "not_found" || e["message"] != "No such thing" {
		t.Fatalf("huma helper error: %d %v", resp.StatusCode, e)
	}

	resp, e = call(t, http.MethodGet, srv.URL+"/api/v1/me", "")
	if resp.StatusCode != http.StatusUnauthorized || e["code"] != "unauthorized" {
		t.Fatalf("no token: %d %v", resp.StatusCode, e)
	}
}

// TestInputErrorsReadInUserTerms: what huma refuses before a handler runs
// reads as what is wrong with which field and what to do, with none of
// JSON Schema's, encoding/json's or Go's own words.
func TestInputErrorsReadInUserTerms(t *testing.T) {
	srv := server(t)
	docs := "See /api/v1/docs for this endpoint's fields."
	for _, c := range []struct {
		method, path, body string
		status             int
		message, hint      string
	}{
		{"POST", "/start", `{"chat":"@go_devs"}`, 422, "account_id is required", docs},
		{"POST", "/start", `{"account_id":1,"chat_id":99999999999999999999}`, 422, "chat_id is not a valid number", docs},
		{"POST", "/start", `{"account_id":"one"}`, 422, "account_id must be a whole number", docs},
		{"POST", "/start", `{"account_id":1,"chat":7,"color":"red"}`, 422, "chat must be a string; color is not a field of this endpoint", docs},
		{"POST", "/start", `[1]`, 422, "The request body must be a JSON object", docs},
		{"POST", "/start", `not json`, 400, "The request body is not valid JSON", "Check the body's quotes, commas and braces, and send one JSON object. " + docs},
		{"POST", "/start", `{"account_id":1`, 400, "The request body is not valid JSON", "Check the body's quotes, commas and braces, and send one JSON object. " + docs},
		{"POST", "/start", ``, 400, "The request body is required", "Send a JSON object with Content-Type: application/json. " + docs},
		{"GET", "/members?seen_within=abc", "", 422, "seen_within must be a whole number", docs},
		{"GET", "/members?seen_within=-1", "", 422, "seen_within must be at least 0", docs},
		{"GET", "/members?sort=banana", "", 422, "sort must be one of position, name, username, last_seen", docs},
		// A domain validation error without a hint gets one.
		{"POST", "/start", `{"account_id":1,"chat":"t.me/"}`, 422, "Enter a @username or a t.me link of a group or channel", "Correct chat and send the request again."},
	} {
		resp, e := call(t, c.method, srv.URL+"/api/v1"+c.path, c.body)
		if resp.StatusCode != c.status || e["code"] != "validation_failed" || e["message"] != c.message || e["hint"] != c.hint {
			t.Errorf("%s %s %s: %d %q / %q, want %d %q / %q", c.method, c.path, c.body, resp.StatusCode, e["message"], e["hint"], c.status, c.message, c.hint)
		}
		text := fmt.Sprint(e["message"], " ", e["hint"])
		for _, internal := range []string{"Go struct", "int64", "json:", "invalid character", "expected", "body.", "query.", "unmarshal"} {
			if strings.Contains(text, internal) {
				t.Errorf("%s %s %s: %q shows %q", c.method, c.path, c.body, text, internal)
			}
		}
	}
}

// busyErr is what the SQLite driver (or the store's writer queue) says
// when the database is locked past the wait: SQLITE_BUSY.
type busyErr struct{}

func (busyErr) Error() string { return "database is locked (5) (SQLITE_BUSY)" }
func (busyErr) Code() int     { return 5 }

// TestBusyDatabaseIsA503: a database that could not answer in time is
// the client's cue to retry, never an internal error.
func TestBusyDatabaseIsA503(t *testing.T) {
	resp := api.FromError(fmt.Errorf("add suppression: %w", busyErr{}))
	if resp.GetStatus() != http.StatusServiceUnavailable || resp.Err.Code != "database_busy" || resp.Err.RetryAfter <= 0 ||
		resp.GetHeaders().Get("Retry-After") == "" {
		t.Fatalf("busy database: %d %+v %v", resp.GetStatus(), resp.Err, resp.GetHeaders())
	}
}
