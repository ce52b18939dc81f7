package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/testkit"
)

// TestDemoKeepsConnectedAccountsAcrossRestarts: a newcomer connects a
// sandbox account in the demo with the printed credentials, stops the demo
// and starts it again; the account's session still works, because the
// sandbox keeps its auth keys in the demo's data directory.
func TestDemoKeepsConnectedAccountsAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	base := "http://" + addr

	stop := startDemo(t, dir, addr)
	jar, _ := cookiejar.New(nil)
	web := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(path string, form url.Values) (int, string) {
		t.Helper()
		resp, err := web.PostForm(base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Location")
	}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := web.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	if status, _ := post("/login", url.Values{"email": {demoEmail}, "password": {demoPassword}}); status != http.StatusSeeOther {
		t.Fatalf("log in: %d", status)
	}
	if status, body := get("/"); status != http.StatusOK || !strings.Contains(body, "Getting started") || !strings.Contains(body, `id="connect-telegram-alert"`) {
		t.Fatalf("the demo's dashboard: %d\n%s", status, body)
	}
	// What the demo prints: Ann's phone, code 11111 and her credential set.
	status, next := post("/accounts/connect", url.Values{"api_id": {"1234567"}, "api_hash": {"0123456789abcdef0123456789abcdef"}, "phone": {"+9996611001"}})
	if status != http.StatusSeeOther || !strings.HasSuffix(next, "/code") {
		t.Fatalf("connect: %d to %q", status, next)
	}
	status, account := post(next, url.Values{"code": {"11111"}})
	if status != http.StatusSeeOther || strings.HasSuffix(account, "/password") {
		t.Fatalf("code: %d to %q", status, account)
	}
	if status, body := get(account + "/sessions"); status != http.StatusOK || !strings.Contains(body, "This is Telegramate") {
		t.Fatalf("sessions before the restart: %d", status)
	}
	// The login-codes page is on the product's address and shows the code
	// the sandbox sent.
	if status, body := get(demoCodesPath); status != http.StatusOK || !regexp.MustCompile(`9996611001<[\s\S]*?11111`).MatchString(body) {
		t.Fatalf("codes page: %d\n%s", status, body)
	}
	// Cleo's phone connects with her own credential set, the third printed
	// (with a shared set it could never be connected).
	status, next = post("/accounts/connect", url.Values{"api_id": {"2345678"}, "api_hash": {"c1e0c1e0c1e0c1e0c1e0c1e0c1e0c1e0"}, "phone": {"+9996631003"}})
	if status != http.StatusSeeOther || !strings.HasSuffix(next, "/code") {
		t.Fatalf("connect Cleo: %d to %q", status, next)
	}
	if status, to := post(next, url.Values{"code": {"33333"}}); status != http.StatusSeeOther || strings.HasSuffix(to, "/code") || strings.HasSuffix(to, "/password") {
		t.Fatalf("Cleo's code: %d to %q", status, to)
	}

	stop()
	startDemo(t, dir, addr)
	if status, body := get(account + "/sessions"); status != http.StatusOK || !strings.Contains(body, "This is Telegramate") {
		t.Fatalf("sessions after the restart: %d\n%s", status, body)
	}
}

// startDemo runs `telegramate demo` until the returned stop is called (or
// the test ends).
func startDemo(t *testing.T, dir, addr string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out testkit.SyncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--data-dir", dir, "--listen", addr, "--log-level", "warn"},
			&env{stdin: strings.NewReader(""), stdout: &out, stderr: t.Output(), getenv: func(string) string { return "" }})
	}()
	if !testkit.Until(time.Minute, func() bool {
		select {
		case code := <-done:
			cancel()
			t.Fatalf("demo exited with %d:\n%s", code, out.String())
		default:
		}
		return strings.Contains(out.String(), "Press Ctrl+C")
	}) {
		cancel()
		t.Fatalf("demo not ready after a minute:\n%s", out.String())
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("demo stopped with %d", code)
			}
		case <-time.After(30 * time.Second):
			t.Error("demo did not stop")
		}
	}
	t.Cleanup(stop)
	return stop
}
