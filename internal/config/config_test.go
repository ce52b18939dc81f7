package config

import (
	"bytes"
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func load(t *testing.T, args []string, vars map[string]string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c := Register(fs)
	return c, c.Load(fs, args, env(vars))
}

func TestDefaults(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "./telegramate-data" || c.Listen != "127.0.0.1:8080" || c.Signup != SignupOpen ||
		c.LogFormat != "text" || c.LogLevel != "info" || c.DatabaseURL != "" || len(c.Telegram.DCs) != 0 {
		t.Errorf("defaults: %+v", c)
	}
	if c.Retain != (Retain{WebhookDeliveries: 30 * 24 * time.Hour}) {
		t.Errorf("retention keeps everything but finished webhook deliveries by default: %+v", c.Retain)
	}
}

func TestRetentionTakesDays(t *testing.T) {
	c, err := load(t, []string{"--retain-inbox", "365d", "--retain-activity", "36h", "--retain-webhook-deliveries", "0"},
		map[string]string{"TELEGRAMATE_RETAIN_CAMPAIGNS": "180d"})
	if err != nil {
		t.Fatal(err)
	}
	want := Retain{FinishedCampaigns: 180 * 24 * time.Hour, Inbox: 365 * 24 * time.Hour, Activity: 36 * time.Hour}
	if c.Retain != want {
		t.Errorf("retention %+v, want %+v", c.Retain, want)
	}
}

func TestFlagsWinOverEnvironment(t *testing.T) {
	c, err := load(t, []string{"--listen", "127.0.0.1:9000", "--telegram-dc", "2=127.0.0.1:4430"}, map[string]string{
		"TELEGRAMATE_LISTEN":       "127.0.0.1:7000",
		"TELEGRAMATE_SIGNUP":       "closed",
		"TELEGRAMATE_DATABASE_URL": "postgres://u:pw@db/telegramate",
		"TELEGRAMATE_TELEGRAM_DC":  "1=10.0.0.1:443,3=10.0.0.3:443",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9000" {
		t.Errorf("listen %q: the flag must win", c.Listen)
	}
	if c.Signup != SignupClosed || c.DatabaseURL.Reveal() != "postgres://u:pw@db/telegramate" {
		t.Errorf("environment not applied: signup %q", c.Signup)
	}
	if len(c.Telegram.DCs) != 1 || c.Telegram.DCs[0] != (DC{2, "127.0.0.1:4430"}) {
		t.Errorf("dcs %v: the flag must replace the variable's list", c.Telegram.DCs)
	}
}

func TestRepeatedDataCenters(t *testing.T) {
	c, err := load(t, nil, map[string]string{"TELEGRAMATE_TELEGRAM_DC": "1=10.0.0.1:443, 2=[::1]:443"})
	if err != nil {
		t.Fatal(err)
	}
	want := []DC{{1, "10.0.0.1:443"}, {2, "[::1]:443"}}
	if len(c.Telegram.DCs) != 2 || c.Telegram.DCs[0] != want[0] || c.Telegram.DCs[1] != want[1] {
		t.Errorf("dcs %v, want %v", c.Telegram.DCs, want)
	}
}

func TestInvalidValues(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		vars    map[string]string
		mention string
	}{
		{[]string{"--signup", "maybe"}, nil, "--signup"},
		{nil, map[string]string{"TELEGRAMATE_SIGNUP": "maybe"}, "--signup"},
		{[]string{"--telegram-dc", "2"}, nil, "ID=HOST:PORT"},
		{[]string{"--telegram-dc", "x=1.2.3.4:443"}, nil, "positive number"},
		{[]string{"--telegram-dc", "2=1.2.3.4:99999"}, nil, "port"},
		{[]string{"--telegram-dc", "2=a:1", "--telegram-dc", "2=b:1"}, nil, "twice"},
		{nil, map[string]string{"TELEGRAMATE_TELEGRAM_DC": "2=nohost"}, "TELEGRAMATE_TELEGRAM_DC"},
		{[]string{"--log-level", "loud"}, nil, "--log-level"},
		{[]string{"--log-format", "xml"}, nil, "--log-format"},
		{[]string{"--retain-inbox", "90 days"}, nil, "retain-inbox"},
		{[]string{"--retain-members", "-1d"}, nil, "want 0 (keep) or more"},
		{[]string{"--retain-activity", "5m"}, nil, "at least an hour"},
		{[]string{"--listen", "8080"}, nil, "--listen"},
		{[]string{"--base-url", "tg.example.com"}, nil, "--base-url"},
		{[]string{"--database-url", "mysql://u:hunter2@db"}, nil, "--database-url"},
		{[]string{"--smtp-url", "http://u:hunter2@mail"}, nil, "--smtp-url"},
		{[]string{"--smtp-url", "smtp://u:hunter2@mail:587"}, nil, "--smtp-from"},
		{[]string{"--smtp-from", "a@b.c"}, nil, "needs --smtp-url"},
		{[]string{"--telegram-public-key", "/nonexistent.pem"}, nil, "--telegram-public-key"},
		{[]string{"--telegram-test-servers", "--telegram-dc", "2=a:1"}, nil, "--telegram-test-servers"},
		{nil, map[string]string{"TELEGRAMATE_TELEGRAM_TEST_SERVERS": "perhaps"}, "TELEGRAMATE_TELEGRAM_TEST_SERVERS"},
	} {
		_, err := load(t, tc.args, tc.vars)
		if err == nil {
			t.Errorf("%v %v: accepted", tc.args, tc.vars)
			continue
		}
		if !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("%v %v: %q does not mention %q", tc.args, tc.vars, err, tc.mention)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error shows the database password: %v", err)
		}
	}
}

func TestDataFlagsOnly(t *testing.T) {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c := RegisterData(fs)
	for _, serveOnly := range []string{"listen", "signup", "telegram-dc", "base-url"} {
		if fs.Lookup(serveOnly) != nil {
			t.Errorf("RegisterData registers --%s", serveOnly)
		}
	}
	// Serve's variables are ignored, not validated, by data-only commands.
	if err := c.Load(fs, []string{"--data-dir", "/tmp/x"}, env(map[string]string{"TELEGRAMATE_SIGNUP": "maybe"})); err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/tmp/x" {
		t.Errorf("data dir %q", c.DataDir)
	}
}

func TestHelpIsOneLinePerFlagAndHidesSecrets(t *testing.T) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var out bytes.Buffer
	fs.SetOutput(&out)
	c := Register(fs)
	if err := c.Load(fs, []string{"--secret-key", "c2VjcmV0", "--database-url", "postgres://u:hunter2@db/x"}, env(nil)); err != nil {
		t.Fatal(err)
	}
	fs.PrintDefaults()
	help := out.String()
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(help, "-"+f.Name) || !strings.Contains(f.Usage, EnvName(f.Name)) {
			t.Errorf("--%s: missing from help or without its variable", f.Name)
		}
		if strings.Contains(f.Usage, "\n") {
			t.Errorf("--%s: help is more than one line", f.Name)
		}
	})
	if strings.Contains(help, "c2VjcmV0") || strings.Contains(help, "hunter2") {
		t.Errorf("help shows a secret:\n%s", help)
	}
}

func TestLogger(t *testing.T) {
	var buf bytes.Buffer
	NewLogger(&buf, "json", "warn").Info("hidden")
	NewLogger(&buf, "json", "warn").Warn("shown")
	if got := buf.String(); strings.Contains(got, "hidden") || !strings.HasPrefix(got, `{"time"`) {
		t.Errorf("json logger at warn wrote %q", got)
	}
}
