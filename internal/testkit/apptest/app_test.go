package apptest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
)

// TestStartAppOnSeededSQLite: the app's own new data directory starts with
// a migrated copy (nothing left to migrate) and serves; a data directory
// the test gives is left as it is (the app migrates it itself).
func TestStartAppOnSeededSQLite(t *testing.T) {
	var logs testkit.SyncBuffer
	a := apptest.StartApp(t, apptest.AppLogTo(&logs))
	if strings.Contains(logs.String(), "database migrated") {
		t.Errorf("the app's new SQLite database was migrated at start, not seeded: %s", logs.String())
	}
	resp, err := http.Get(a.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"database":"sqlite"`) {
		t.Errorf("/healthz answered %d %s", resp.StatusCode, body)
	}
	a.Stop()

	var own testkit.SyncBuffer
	apptest.StartApp(t, apptest.AppArgs("--data-dir", t.TempDir()), apptest.AppLogTo(&own))
	if !strings.Contains(own.String(), "database migrated") {
		t.Errorf("a data directory the test gave was not migrated by the app: %s", own.String())
	}
}
