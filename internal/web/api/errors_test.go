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

// server has the API plus public test endpoints that fail in the ways
// real handlers will.
func server(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	a := api.New(mux, api.Deps{Tokens: tokens.New(storetest.SQLite(t))})
	public := []map[string][]string{}
	huma.Register(a.Huma(), huma.Operation{Method: http.MethodPost, Path: "/echo", Security: public},
		func(ctx context.Context, in *echoInput) (*struct{}, error) { return nil, nil })
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
		!strings.Contains(e["hint"].(string), "body.n") {
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
