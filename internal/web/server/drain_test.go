package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/testkit/apptest"
)

// TestStoppingNodeDrains: with --drain-delay, a node told to stop goes on
// answering, /healthz with 503 "shutting down" (so a reverse proxy takes
// it out), and then stops.
func TestStoppingNodeDrains(t *testing.T) {
	app := apptest.StartApp(t, apptest.AppArgs("--drain-delay", "3s", "--node-id", "web-1"))
	get := func() (int, string) {
		resp, err := http.Get(app.URL + "/healthz")
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(); code != http.StatusOK || !strings.Contains(body, `"node":"web-1"`) {
		t.Fatalf("before the stop: %d %s", code, body)
	}
	stopped := make(chan struct{})
	go func() { app.Stop(); close(stopped) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := get()
		if code == http.StatusServiceUnavailable && strings.Contains(body, "shutting down") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz never said the node was shutting down: %d %s", code, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-stopped:
	case <-time.After(30 * time.Second):
		t.Fatal("the node did not stop after draining")
	}
}
