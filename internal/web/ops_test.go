package web_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/users"
	"github.com/telegramate/telegramate/internal/web"
)

func TestHealthz(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		newEnv(t, s).client().get("/healthz").wantStatus(t, http.StatusOK).wantBody(t, `"status":"ok"`, s.Dialect())
		r := newEnv(t, downStore{s}).client().get("/healthz").wantStatus(t, http.StatusServiceUnavailable)
		r.wantBody(t, `"status":"unavailable"`, "database unreachable")
		r.wantNoBody(t, "10.1.2.3") // the cause stays in the log
	})
}

type downStore struct{ store.Store }

func (downStore) Ping(context.Context) error {
	return errors.New("dial tcp 10.1.2.3:5432: connection refused")
}

func TestMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		jobs := prometheus.NewGauge(prometheus.GaugeOpts{Name: "telegramate_jobs_test", Help: "x"})
		jobs.Set(3)
		e := newEnv(t, s, withDeps(func(d *web.Deps) {
			d.Collectors = append(d.Collectors, jobs)
			d.MetricsToken = "scrape-secret"
		}))
		c := e.client()
		c.get("/healthz").wantStatus(t, http.StatusOK)
		c.get("/tokens").wantStatus(t, http.StatusSeeOther)
		c.get("/no/such/page").wantStatus(t, http.StatusNotFound)
		c.get("/metrics").wantStatus(t, http.StatusUnauthorized)
		c.get("/metrics", "Authorization", "Bearer scrape-secret").wantStatus(t, http.StatusOK).wantBody(t,
			`telegramate_http_requests_total{code="200",route="GET /healthz"} 1`,
			`telegramate_http_requests_total{code="303",route="GET /tokens"} 1`,
			`telegramate_http_requests_total{code="404",route="/"} 1`,
			`telegramate_http_request_duration_seconds_bucket{route="GET /healthz",le="+Inf"} 1`,
			"telegramate_jobs_test 3",
			"go_goroutines",
			"go_gc_heap_live_bytes",
		)
	})
}

func TestJobsDashboardIsForAdminsOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		riverUI := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("river ui at " + r.URL.Path))
		})
		e := newEnv(t, s, withDeps(func(d *web.Deps) { d.JobsUI = riverUI }))
		user := e.loggedIn("user@example.com") // the first user, not an admin for that
		if _, err := e.users.Create(context.Background(), users.NewUser{Email: "admin@example.com", Password: goodPassword, Admin: true}); err != nil {
			t.Fatal(err)
		}
		admin := e.client()
		admin.logIn("admin@example.com", goodPassword).wantRedirect(t, "/")

		admin.get("/admin/jobs").wantStatus(t, http.StatusOK).wantBody(t, "river ui at /admin/jobs")
		admin.get("/admin/jobs/queues").wantStatus(t, http.StatusOK).wantBody(t, "river ui at /admin/jobs/queues")
		admin.get("/").wantBody(t, `href="/admin/jobs"`)

		user.get("/admin/jobs").wantStatus(t, http.StatusForbidden).wantBody(t, "Only instance administrators")
		user.get("/admin/jobs/queues").wantStatus(t, http.StatusForbidden).wantNoBody(t, "river ui")
		user.get("/").wantNoBody(t, `href="/admin/jobs"`)
		e.client().get("/admin/jobs").wantRedirect(t, "/login?next=%2Fadmin%2Fjobs")
	})
}

func TestShellPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		c := e.loggedIn("ann@example.com")
		for path, want := range map[string]string{
			"/accounts":         "No Telegram account connected yet",
			"/accounts/connect": "Where do I get an API ID and API Hash?",
			"/member-lists":     "No member lists yet",
			"/campaigns":        "No campaigns yet",
			"/suppressions":     "Nobody is suppressed",
		} {
			r := c.get(path).wantStatus(t, http.StatusOK)
			r.wantBody(t, want, `href="/member-lists"`, `href="/campaigns"`, `href="/suppressions"`, `href="/tokens"`, `href="/accounts"`)
		}
		c.get("/no/such/page").wantStatus(t, http.StatusNotFound).wantBody(t, "Page not found")
	})
}

// TestHTTPSBaseURL: an https base URL makes the session cookie Secure and
// sends HSTS; without it, a request that came through a TLS proxy is noted
// once in the log, saying what to set.
func TestHTTPSBaseURL(t *testing.T) {
	s := storetest.SQLite(t)
	e := newEnv(t, s, withDeps(func(d *web.Deps) { d.BaseURL = "https://tg.example.com" }))
	r := e.client().get("/login")
	if got := r.Header.Get("Strict-Transport-Security"); got == "" {
		t.Error("no HSTS with an https base URL")
	}
	e.client().signUp("ann@example.com", goodPassword)
	c := e.client()
	resp := c.post("/login", url.Values{"email": {"ann@example.com"}, "password": {goodPassword}}, "Origin", "https://tg.example.com")
	for _, ck := range resp.Cookies() {
		if ck.Name == "telegramate_session" && !ck.Secure {
			t.Error("session cookie not Secure with an https base URL")
		}
	}

	var logs strings.Builder
	plain := newEnv(t, s, withDeps(func(d *web.Deps) { d.Logger = slog.New(slog.NewTextHandler(&logs, nil)) }))
	if got := plain.client().get("/login").Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("HSTS %q without an https base URL", got)
	}
	plain.client().get("/login", "X-Forwarded-Proto", "https")
	plain.client().get("/login", "X-Forwarded-Proto", "https")
	if n := strings.Count(logs.String(), "set --base-url https://"); n != 1 {
		t.Errorf("%d warnings about --base-url, want 1:\n%s", n, logs.String())
	}
}
