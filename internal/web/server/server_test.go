package server_test

import (
	"io"
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
			app := apptest.StartApp(t, opts...)
			for path, want := range map[string]string{
				"/healthz": `"database":"` + name + `"`,
				"/metrics": `telegramate_jobs{state="available"}`,
				"/login":   "Log in",
			} {
				resp, err := http.Get(app.URL + path)
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
