package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
)

// TestDatabaseOutageIsLoggedOnce: PostgreSQL stops answering (a proxy
// between the node and it closes every connection and refuses new ones)
// while requests come in and the jobs run. The log says so in one ERROR
// line naming what failed and what to do, and once in an INFO line when
// it answers again, with how long it did not; the requests, River's
// producers, its elector and the heartbeat that failed meanwhile write
// nothing at warning or error.
func TestDatabaseOutageIsLoggedOnce(t *testing.T) {
	u, err := url.Parse(testkit.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := testkit.StartProxy(t, u.Host)
	u.Host = proxy.Addr()
	var logs testkit.SyncBuffer
	app := apptest.StartApp(t, apptest.AppOnPostgres(), apptest.AppArgs("--database-url", u.String()), apptest.AppLogTo(&logs),
		apptest.AppLogLevel("debug"))

	var failed, served atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, path := range []string{"/healthz", "/login", "/api/v1/campaigns"} {
					resp, err := http.Get(app.URL + path)
					if err != nil {
						continue
					}
					resp.Body.Close()
					if resp.StatusCode >= 500 {
						failed.Add(1)
					} else if path == "/healthz" {
						served.Add(1)
					}
				}
			}
		})
	}
	t.Cleanup(func() { close(stop); wg.Wait() })

	testkit.Eventually(t, 30*time.Second, "requests served before the outage", func() bool { return served.Load() >= 10 })
	before := len(logs.String())
	proxy.Cut()
	// Enough failing work for the old logging to have written dozens of
	// lines: requests, River's producers and its leader's maintenance
	// (at debug now, for whoever runs at debug).
	testkit.Eventually(t, 60*time.Second, "the outage noticed, requests and jobs failing", func() bool {
		l := logs.String()[before:]
		return strings.Contains(l, "database unavailable") && failed.Load() >= 300 &&
			strings.Contains(l, `msg="producer: Error fetching jobs"`) && strings.Contains(l, `msg="http request"`)
	})
	// The outage lasts a few seconds, as the one reported (6 s): the
	// scenario's length, not a wait for work.
	time.Sleep(4 * time.Second)
	proxy.Resume()
	testkit.Eventually(t, 60*time.Second, "the recovery logged", func() bool {
		return strings.Contains(logs.String()[before:], "database answers again")
	})
	// The node serves again, and work that began during the outage has
	// had the time to give up (River's completer retries for seconds).
	after := served.Load()
	testkit.Eventually(t, 60*time.Second, "requests served after the outage", func() bool { return served.Load() >= after+300 })

	var errorLines, recoveries []string
	for _, line := range strings.Split(logs.String()[before:], "\n") {
		switch {
		case strings.Contains(line, "level=ERROR") || strings.Contains(line, "level=WARN"):
			errorLines = append(errorLines, line)
		case strings.Contains(line, "database answers again"):
			recoveries = append(recoveries, line)
		}
	}
	if len(errorLines) != 1 || !strings.Contains(errorLines[0], "level=ERROR") || !strings.Contains(errorLines[0], "database unavailable") ||
		!strings.Contains(errorLines[0], "hint=") || !strings.Contains(errorLines[0], "err=") {
		t.Errorf("want one ERROR line for the outage with its error and a hint, got %d lines at warning or error:\n%s",
			len(errorLines), strings.Join(errorLines, "\n"))
	}
	if len(recoveries) != 1 || !strings.Contains(recoveries[0], "level=INFO") || !strings.Contains(recoveries[0], "outage=") {
		t.Errorf("want one INFO line for the recovery with the outage's length, got:\n%s", strings.Join(recoveries, "\n"))
	}
	t.Logf("%d requests failed during the outage; logged: %s / %s", failed.Load(), errorLines, recoveries)
}
