package web_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestReadmeCurlExamplesMatchTheAPI: every request of the README's "The
// API with curl" (its operation, path and query parameters, and body) is
// one the OpenAPI document accepts, so the examples a newcomer copies do
// not drift from the handlers (the document itself is checked against
// the real answers in internal/web/api).
func TestReadmeCurlExamplesMatchTheAPI(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "### The API with curl")
	if !ok {
		t.Fatal(`README has no "### The API with curl" section`)
	}
	_, block, _ := strings.Cut(section, "```sh\n")
	block, _, _ = strings.Cut(block, "```")
	e := newEnv(t, storetest.SQLite(t))
	base := e.srv.URL + "/api/v1"
	resp, err := http.Get(base + "/openapi-3.0.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	doc.Servers = openapi3.Servers{{URL: base}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}

	var (
		method = regexp.MustCompile(`-X (\w+)`)
		target = regexp.MustCompile(`"\$TG(/[^"]*)"`)
		body   = regexp.MustCompile(`(?s)-d '(.*?)'`)
	)
	// One command per "curl", its continuation lines and multi-line body
	// included.
	commands := strings.Split(strings.ReplaceAll(block, "\\\n", " "), "\ncurl ")[1:]
	if len(commands) < 12 {
		t.Fatalf("%d curl examples found, want the dozen the README shows", len(commands))
	}
	for _, cmd := range commands {
		cmd, _, _ = strings.Cut(cmd, "\n#")
		m := "GET"
		if g := method.FindStringSubmatch(cmd); g != nil {
			m = g[1]
		}
		u := target.FindStringSubmatch(cmd)
		if u == nil {
			t.Errorf("no $TG URL in: curl %s", cmd)
			continue
		}
		var reqBody io.Reader
		b := body.FindStringSubmatch(cmd)
		if b != nil {
			reqBody = strings.NewReader(b[1])
		}
		req, err := http.NewRequest(m, base+u[1], reqBody)
		if err != nil {
			t.Fatal(err)
		}
		if b != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Errorf("%s %s: no such operation in the API: %v", m, u[1], err)
			continue
		}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("%s %s: the API would refuse it: %v", m, u[1], err)
		}
	}
}
