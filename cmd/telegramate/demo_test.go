package main

import (
	"context"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/testkit"
)

func TestDemoServesWithASandboxAndADemoUser(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out testkit.SyncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--data-dir", t.TempDir(), "--listen", addr, "--log-level", "warn"},
			&env{stdin: strings.NewReader(""), stdout: &out, stderr: t.Output(), getenv: func(string) string { return "" }})
	}()

	testkit.EventuallyWith(t, time.Minute, "the demo to be ready", func() (bool, string) {
		select {
		case code := <-done:
			t.Fatalf("demo exited with %d:\n%s", code, out.String())
		default:
		}
		s := out.String()
		return strings.Contains(s, "Press Ctrl+C"), "\n" + s
	})
	summary := out.String()
	for _, want := range []string{"http://" + addr, "demo@example.com", "API ID", "API Hash", "yellow alert",
		"http://" + addr + "/demo/codes", "after 30ms"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	// One line per phone, with its own credential set: one set connects
	// one account, so a shared set would leave phones unconnectable.
	rows := regexp.MustCompile(`(?m)^  (\+99966\d{5}) .* (\d{5}) +(\S+) +(\d+) +([0-9a-f]{32})$`).FindAllStringSubmatch(summary, -1)
	if len(rows) != 4 {
		t.Fatalf("%d phone lines, want 4 (phone, name, code, 2FA, API ID, API Hash):\n%s", len(rows), summary)
	}
	ids := map[string]bool{}
	for _, r := range rows {
		if ids[r[4]] {
			t.Errorf("API ID %s printed for two phones:\n%s", r[4], summary)
		}
		ids[r[4]] = true
	}
	if rows[1][1] != "+9996621002" || rows[1][2] != "22222" || rows[1][3] != "secret" {
		t.Errorf("Bob's line %q, want his phone, code 22222 and 2FA password secret", rows[1][0])
	}
	if loc := logIn(t, "http://"+addr, "demo@example.com", "telegramate-demo"); loc != "/" {
		t.Fatalf("demo user cannot log in (redirect %q)", loc)
	}
	if resp, err := http.Get("http://" + addr + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", resp, err)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("demo stopped with %d", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("demo did not stop")
	}
}

func TestDemoRefusesANegativeLatency(t *testing.T) {
	var out, errOut testkit.SyncBuffer
	code := run(context.Background(), []string{"demo", "--data-dir", t.TempDir(), "--latency", "-1s"},
		&env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }})
	if code == 0 || !strings.Contains(errOut.String(), "--latency -1s is negative") {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut.String())
	}
}
