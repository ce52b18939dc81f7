package server_test

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// TestAppServesAndStops starts the assembled app on each database: health,
// job metrics and the login page answer, and it stops cleanly (StartApp's
// cleanup fails the test otherwise).
func TestAppServesAndStops(t *testing.T) {
	for name, opts := range map[string][]apptest.AppOption{
		"sqlite":   nil,
		"postgres": {apptest.AppOnPostgres()},
	} {
		t.Run(name, func(t *testing.T) {
			app := apptest.StartApp(t, append(opts, apptest.AppArgs("--metrics-token", "scrape-secret"))...)
			for path, want := range map[string]string{
				"/healthz": `"database":"` + name + `"`,
				"/metrics": `telegramate_jobs{state="available"}`,
				"/login":   "Log in",
			} {
				req, _ := http.NewRequest(http.MethodGet, app.URL+path, nil)
				req.Header.Set("Authorization", "Bearer scrape-secret")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
					t.Errorf("GET %s: %d, want %q in\n%.500s", path, resp.StatusCode, want, body)
				}
			}
		})
	}
}

// TestMetricsAreOptIn: /metrics is not served without --metrics-token or
// --metrics-listen, refuses a wrong token, and --metrics-listen serves it
// on its own address.
func TestMetricsAreOptIn(t *testing.T) {
	get := func(url, token string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	plain := apptest.StartApp(t)
	if code, body := get(plain.URL+"/metrics", ""); code != http.StatusNotFound || strings.Contains(body, "telegramate_") {
		t.Fatalf("/metrics without opting in: %d %.200s", code, body)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := ln.Addr().String()
	ln.Close()
	app := apptest.StartApp(t, apptest.AppArgs("--metrics-token", "scrape-secret", "--metrics-listen", metricsAddr))
	if code, _ := get(app.URL+"/metrics", "guess"); code != http.StatusUnauthorized {
		t.Fatalf("/metrics with a wrong token: %d", code)
	}
	if code, body := get(app.URL+"/metrics", "scrape-secret"); code != http.StatusOK || !strings.Contains(body, "telegramate_http_requests_total") {
		t.Fatalf("/metrics with the token: %d %.200s", code, body)
	}
	if code, body := get("http://"+metricsAddr+"/metrics", ""); code != http.StatusOK || !strings.Contains(body, "telegramate_jobs") {
		t.Fatalf("/metrics on --metrics-listen: %d %.200s", code, body)
	}
}
