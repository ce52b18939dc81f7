package opsmetrics_test

import (
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var (
	exprLine   = regexp.MustCompile(`(?m)^\s*expr:\s*(.+)$`)
	metricName = regexp.MustCompile(`\btelegramate_[a-z_]+`)
	typeLine   = regexp.MustCompile(`(?m)^# TYPE (telegramate_[a-z_]+) (\w+)$`)
)

// TestAlertRulesUseExposedMetrics: every telegramate_* name in the example
// alert rules is one a running node exposes on /metrics, so no alert
// silently never fires because of a typo or a renamed metric.
func TestAlertRulesUseExposedMetrics(t *testing.T) {
	rules, err := os.ReadFile("../../deploy/prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	app := apptest.StartApp(t, apptest.AppArgs("--metrics-token", "scrape-me"))
	// HTTP metrics have series once a request was served, as on any node
	// in use.
	if resp, err := http.Get(app.URL + "/login"); err == nil {
		resp.Body.Close()
	}
	req, _ := http.NewRequest(http.MethodGet, app.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer scrape-me")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, body)
	}
	exposed := map[string]bool{}
	for _, m := range typeLine.FindAllStringSubmatch(string(body), -1) {
		exposed[m[1]] = true
		if m[2] == "histogram" {
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				exposed[m[1]+suffix] = true
			}
		}
	}
	for _, want := range []string{"telegramate_deliveries_total", "telegramate_accounts", "telegramate_campaigns_paused_automatically",
		"telegramate_webhook_deliveries", "telegramate_webhook_endpoints_disabled", "telegramate_leases_held", "telegramate_connected_accounts", "telegramate_inbox_lag_seconds"} {
		if !exposed[want] {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	exprs := exprLine.FindAllStringSubmatch(string(rules), -1)
	if len(exprs) < 5 {
		t.Fatalf("found %d alert expressions in alerts.yml; keep each on one line after 'expr:'", len(exprs))
	}
	for _, e := range exprs {
		for _, name := range metricName.FindAllString(e[1], -1) {
			if !exposed[name] {
				t.Errorf("alert expression uses %s, which /metrics does not expose: %s", name, strings.TrimSpace(e[1]))
			}
		}
	}
}
