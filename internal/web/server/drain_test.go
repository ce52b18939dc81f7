package server_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
)

// TestStoppingNodeDrains: with --drain-delay, a node told to stop goes on
// answering, /healthz with 503 "shutting down" (so a reverse proxy takes
// it out), and then stops.
func TestStoppingNodeDrains(t *testing.T) {
	var logs testkit.SyncBuffer
	app := apptest.StartApp(t, apptest.AppArgs("--drain-delay", "3s", "--node-id", "web-1"), apptest.AppLogLevel("debug"), apptest.AppLogTo(&logs))
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
	testkit.EventuallyWith(t, 10*time.Second, "/healthz to say the node is shutting down", func() (bool, string) {
		code, body := get()
		return code == http.StatusServiceUnavailable && strings.Contains(body, "shutting down"), fmt.Sprintf("%d %s", code, body)
	})
	select {
	case <-stopped:
	case <-time.After(30 * time.Second):
		t.Fatal("the node did not stop after draining")
	}
	// The 503s a drain answers on purpose are not errors in the log.
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "level=ERROR") {
			t.Errorf("draining logged an error: %s", line)
		}
	}
}
