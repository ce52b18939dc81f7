package web_test

import (
	"context"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/web"
)

// TestHealthzIsTheNodesReadiness: /healthz names the node and its
// database while the database answers; it says 503 when the database
// stops answering (a proxy that holds every byte, as a database that
// hangs) and again 200 once it answers; and 503 while the node is
// shutting down, so a reverse proxy stops sending it requests.
func TestHealthzIsTheNodesReadiness(t *testing.T) {
	_, rawURL := storetest.PostgresURL(t)
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := testkit.StartProxy(t, u.Host)
	u.Host = proxy.Addr()
	s, err := storeopen.Open(context.Background(), storeopen.Options{DatabaseURL: u.String(), NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Resume(); s.Close() })

	var draining atomic.Bool
	c := newEnv(t, s, withDeps(func(d *web.Deps) {
		d.Health = web.Health{NodeID: "web-2", Draining: draining.Load, Timeout: 500 * time.Millisecond}
	})).client()
	c.get("/healthz").wantStatus(t, http.StatusOK).wantBody(t, `"status":"ok"`, `"node":"web-2"`, `"database":"postgres"`)

	proxy.Stall()
	c.get("/healthz").wantStatus(t, http.StatusServiceUnavailable).wantBody(t, `"reason":"database unreachable"`, `"node":"web-2"`)
	proxy.Resume()
	testkit.Eventually(t, 20*time.Second, "/healthz to recover once the database answered again", func() bool {
		return c.get("/healthz").StatusCode == http.StatusOK
	})

	draining.Store(true)
	c.get("/healthz").wantStatus(t, http.StatusServiceUnavailable).wantBody(t, `"reason":"shutting down"`)
}
