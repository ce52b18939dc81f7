package testkit

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestProblemsLeaveAbortedRequestsOut: htmx logs a request it aborts (a
// newer one replacing it) as two console errors; Problems leaves them out,
// and still reports a request that failed.
func TestProblemsLeaveAbortedRequestsOut(t *testing.T) {
	htmx, err := os.ReadFile("../web/ui/static/vendor/htmx/htmx.min.js")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /htmx.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		_, _ = w.Write(htmx)
	})
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("GET /fast", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "fast") })
	mux.HandleFunc("GET /broken", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "broken", 500) })
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><html><head><script src="/htmx.js"></script></head><body>
<div id="out"></div>
<button id="slow" hx-get="/slow" hx-target="#out" hx-sync="#out:replace">slow</button>
<button id="fast" hx-get="/fast" hx-target="#out" hx-sync="#out:replace">fast</button>
<button id="broken" hx-get="/broken" hx-target="#out">broken</button>
</body></html>`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	b := NewBrowser(t)
	b.Do(chromedp.Navigate(srv.URL+"/"), chromedp.WaitReady("#fast"))
	// The slow request is on its way when the fast one replaces it.
	b.Do(chromedp.Evaluate[chromedp.Void](`htmx.trigger("#slow", "click"); setTimeout(function () { htmx.trigger("#fast", "click"); }, 300)`))
	b.WaitText("#out", "fast", 10*time.Second)
	Eventually(t, 10*time.Second, "htmx's console errors for the aborted request", func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return len(b.problems) >= 2
	})
	if p := b.Problems(); len(p) != 0 {
		t.Errorf("an aborted request counted as a problem: %q", p)
	}
	b.Do(chromedp.Evaluate[chromedp.Void](`htmx.trigger("#broken", "click")`))
	Eventually(t, 10*time.Second, "the failed request among the problems", func() bool { return len(b.Problems()) > 0 })
}
