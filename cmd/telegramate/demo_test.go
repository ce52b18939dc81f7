package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is written by the demo's goroutine and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestDemoServesWithASandboxAndADemoUser(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--data-dir", t.TempDir(), "--listen", addr, "--log-level", "warn"},
			&env{stdin: strings.NewReader(""), stdout: &out, stderr: t.Output(), getenv: func(string) string { return "" }})
	}()

	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(out.String(), "Press Ctrl+C") {
		select {
		case code := <-done:
			t.Fatalf("demo exited with %d:\n%s", code, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo not ready after a minute:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	summary := out.String()
	for _, want := range []string{"http://" + addr, "demo@example.com", "API ID", "API Hash", "phone +99966", "code ", `2FA password "`, "yellow alert", "/codes"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
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
