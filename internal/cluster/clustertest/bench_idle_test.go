package clustertest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkIdleNode starts one node on SQLite with n connected accounts
// that do nothing, waits until the account runtime has every account's
// connection up (the sandbox's record), and measures what idling costs:
// the node's CPU over a minute and its resident memory. n=1 is the
// baseline of an almost empty node (n=5, the least a cluster world
// has); the per-account figures are the
// difference from it.
//
//	go test ./internal/cluster/clustertest -run '^$' -bench BenchmarkIdleNode -benchtime=1x -v
func BenchmarkIdleNode(b *testing.B) {
	var base idle
	for _, n := range []int{5, 100, 1000} {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			r := idleNode(b, n)
			if n == 5 {
				base = r
			}
			per := func(v, v0 float64) float64 { return (v - v0) / float64(max(n-5, 1)) }
			b.Logf("%d idle accounts: all live in %s; node CPU %.3f%% of a core, RSS %.1f MB; per account beyond five: CPU %.4f%% of a core, RSS %.1f KB",
				n, r.up.Round(time.Millisecond), r.cpu*100, r.rss/1e6, per(r.cpu, base.cpu)*100, per(r.rss, base.rss)/1e3)
			b.ReportMetric(r.cpu*100, "cpu-%core")
			b.ReportMetric(r.rss/1e6, "rss-MB")
			b.ReportMetric(r.up.Seconds(), "up-s")
		})
	}
}

type idle struct {
	up  time.Duration
	cpu float64 // cores busy
	rss float64 // bytes
}

func idleNode(b *testing.B, n int) idle {
	c := New(b, Options{Senders: n - 1}) // and the extractor
	t0 := time.Now()
	node := c.StartNode("idle")
	want := len(c.Senders) + 1
	for {
		open := map[int64]bool{}
		for _, conn := range c.Sandbox.ConnectionLog() {
			if conn.Node == "idle" && conn.UserID != 0 && conn.Open() {
				open[conn.UserID] = true
			}
		}
		if len(open) >= want {
			break
		}
		if time.Since(t0) > 10*time.Minute {
			b.Fatalf("%d of %d accounts connected after 10 minutes", len(open), want)
		}
		time.Sleep(100 * time.Millisecond)
	}
	up := time.Since(t0)
	// Let the start's work (catching up, storing states) settle.
	time.Sleep(10 * time.Second)
	const span = time.Minute
	cpu0 := procCPU(node.PID(), false)
	time.Sleep(span)
	cpu := (procCPU(node.PID(), false) - cpu0).Seconds() / span.Seconds()
	return idle{up: up, cpu: cpu, rss: procRSS(node.PID())}
}

// procRSS is the resident memory of a process, in bytes.
func procRSS(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb * 1024
		}
	}
	return 0
}
