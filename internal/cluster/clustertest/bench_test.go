package clustertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/testkit"
)

// The cluster benchmarks run once each (-benchtime=1x) and take minutes:
//
//	go test ./internal/cluster/clustertest -run '^$' -bench . -benchtime=1x -v
//
// BenchmarkClusterThroughput sends the same campaign with pacing off, at
// 20 ms per sandbox answer, with 1, 2 and 3 nodes on one PostgreSQL and
// one sandbox, and reports each rate as a ratio against one node measured
// in the same run, with where the CPU went (the nodes, PostgreSQL, the test
// process with the sandbox, in cores busy) and PostgreSQL's commits. An
// account sends one message at a time, so n accounts cannot beat n / 20 ms:
// with 20 accounts that bound is 1,000 messages a second, with 60 it is
// 3,000 and the machine's cores decide.
func BenchmarkClusterThroughput(b *testing.B) {
	for _, accounts := range []int{20, 60} {
		b.Run(fmt.Sprintf("accounts=%d", accounts), func(b *testing.B) { clusterThroughput(b, accounts) })
	}
}

func clusterThroughput(b *testing.B, accounts int) {
	const latency = 20 * time.Millisecond
	c := New(b, Options{Senders: accounts, CrowdSize: 9000, Postgres: true})
	names := []string{"node1", "node2", "node3"}
	first := c.StartNode(names[0])
	ids := c.CrowdExtractions(first)
	c.Sandbox.SetLatency(latency)
	var base float64
	for n := 1; n <= len(names); n++ {
		if n > 1 {
			c.StartNode(names[n-1])
		}
		v := c.NewCampaign(first, ids, 0)
		r := c.measure(func() { c.StartCampaign(first, v.ID) }, func() { c.WaitCampaign(v.ID, 5*time.Minute) })
		if n == 1 {
			base = r.rate
		}
		b.Logf("%d node(s), %d accounts: %d messages in %s, %.0f/s (×%.2f of one node; the accounts' bound is %.0f/s); an account's first message after %s at most, then %.0f/s, stalls of %s per account; cores busy: nodes %.2f, PostgreSQL %.2f, test process with the sandbox %.2f, of %d; %.0f commits/s",
			n, accounts, r.sent, r.elapsed.Round(time.Millisecond), r.rate, r.rate/base, float64(accounts)/latency.Seconds(),
			r.firstMax.Round(time.Millisecond), r.steady, r.stalled.Round(time.Millisecond), r.nodeCPU, r.pgCPU, r.selfCPU, runtime.NumCPU(), r.commits)
		b.ReportMetric(r.rate, fmt.Sprintf("msgs/s-%dnodes", n))
		b.ReportMetric(r.rate/base, fmt.Sprintf("ratio-%dnodes", n))
		b.ReportMetric(r.firstMax.Seconds(), fmt.Sprintf("first-s-%dnodes", n))
	}
}

type run struct {
	// firstMax is the longest an account waited from the start to its
	// first message; stalled the accounts' time between two of their
	// messages beyond half a second, summed, per account.
	firstMax, stalled time.Duration
	// steady is the rate once every account has sent its first message.
	steady float64

	sent                    int
	elapsed                 time.Duration
	rate                    float64 // messages per second
	nodeCPU, pgCPU, selfCPU float64 // CPU seconds per second of the run
	commits                 float64 // PostgreSQL transactions committed per second
}

// measure runs start, then wait, and measures the messages sent between
// them and what they cost.
func (c *Cluster) measure(start, wait func()) run {
	before := len(c.Sent())
	nodes0, pg0, self0, tx0 := c.nodesCPU(), c.pgCPU(), selfCPU(), c.commits()
	t0 := time.Now()
	start()
	wait()
	elapsed := time.Since(t0)
	msgs := c.Sent()[before:]
	if len(msgs) > 0 {
		// From the start to the last message's arrival, not to the poll
		// that saw the end.
		elapsed = msgs[len(msgs)-1].Date.Sub(t0)
	}
	first := map[int64]time.Time{}
	last := map[int64]time.Time{}
	var stalled time.Duration
	for _, m := range msgs {
		if _, ok := first[m.From]; !ok {
			first[m.From] = m.Date
		} else if gap := m.Date.Sub(last[m.From]); gap > 500*time.Millisecond {
			stalled += gap
		}
		last[m.From] = m.Date
	}
	var firstMax time.Duration
	for _, f := range first {
		firstMax = max(firstMax, f.Sub(t0))
	}
	if len(first) > 0 {
		stalled /= time.Duration(len(first))
	}
	var steady float64
	if from := t0.Add(firstMax); len(msgs) > 0 && msgs[len(msgs)-1].Date.After(from) {
		n := 0
		for _, m := range msgs {
			if m.Date.After(from) {
				n++
			}
		}
		steady = float64(n) / msgs[len(msgs)-1].Date.Sub(from).Seconds()
	}
	s := elapsed.Seconds()
	return run{firstMax: firstMax, stalled: stalled, steady: steady,
		sent: len(msgs), elapsed: elapsed, rate: float64(len(msgs)) / s,
		nodeCPU: (c.nodesCPU() - nodes0).Seconds() / s, pgCPU: (c.pgCPU() - pg0).Seconds() / s,
		selfCPU: (selfCPU() - self0).Seconds() / s, commits: float64(c.commits()-tx0) / s,
	}
}

// BenchmarkTakeover kills, five times, the node of three that holds the
// most sending accounts while a campaign sends a second apart, measures
// how long its accounts take to send again from the other nodes, and
// starts it again. It reports the largest and the median of each kill's
// slowest account.
func BenchmarkTakeover(b *testing.B) {
	c := New(b, Options{Senders: 12, CrowdSize: 3000, Postgres: true})
	names := []string{"node1", "node2", "node3"}
	for _, n := range names {
		c.StartNode(n)
	}
	v := c.CrowdCampaign(c.Node(names[0]), 1)
	c.Sandbox.SetLatency(20 * time.Millisecond)
	c.StartCampaign(c.Node(names[0]), v.ID)
	var worst []time.Duration
	for round := 0; round < 5; round++ {
		c.WaitSent(len(c.Sent())+2*len(c.Senders), time.Minute)
		var victim *Node
		var held []int64
		now := time.Now()
		for _, n := range c.Live() {
			if h := c.HeldBy(n.Name, now); len(h) > len(held) {
				victim, held = n, h
			}
		}
		if victim == nil {
			b.Fatal("no node holds a sending account")
		}
		died := victim.Kill()
		held = c.HeldBy(victim.Name, died)
		var gaps map[int64]time.Duration
		testkit.EventuallyWith(b, 2*time.Minute, fmt.Sprintf("kill %d: the accounts of %s to send again", round+1, victim.Name), func() (bool, string) {
			var ok bool
			gaps, ok = c.Takeover(held, died)
			return ok, fmt.Sprintf("%d of %d did not", len(held)-len(gaps), len(held))
		})
		worst = append(worst, MaxGap(gaps))
		b.Logf("kill %d: %s held %d accounts; they sent again after %v", round+1, victim.Name, len(held), sortedGaps(gaps))
		c.StartNode(victim.Name)
	}
	slices.Sort(worst)
	median := worst[len(worst)/2]
	b.Logf("takeover after SIGKILL: max %s, median %s over %d kills (%v)", worst[len(worst)-1].Round(time.Millisecond), median.Round(time.Millisecond), len(worst), worst)
	b.ReportMetric(worst[len(worst)-1].Seconds(), "max-takeover-s")
	b.ReportMetric(median.Seconds(), "median-takeover-s")
	c.Sandbox.SetLatency(0)
	if _, err := c.Campaign(v.ID); err == nil {
		_ = c.CallAny("POST", fmt.Sprintf("/campaigns/%d/cancel", v.ID), nil, nil)
	}
	c.CheckOneNodePerAccount()
	c.CheckPacing(time.Second)
}

// clockTick is the kernel's clock tick, the unit of /proc/*/stat times
// (100 on every Linux this runs on).
const clockTick = 100

// procCPU is the user and system time of a process so far; with
// children, that of its children it has waited for too (PostgreSQL's
// backends that ended).
func procCPU(pid int, children bool) time.Duration {
	f := procStat(pid)
	if len(f) < 15 {
		return 0
	}
	var ticks int64
	fields := []int{11, 12}
	if children {
		fields = append(fields, 13, 14)
	}
	for _, i := range fields {
		n, _ := strconv.ParseInt(f[i], 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTick
}

// procStat is /proc/pid/stat's fields after the command (which may hold
// spaces), so f[0] is the state and f[1] the parent.
func procStat(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	return strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
}

func (c *Cluster) nodesCPU() time.Duration {
	var d time.Duration
	for _, n := range c.Live() {
		d += procCPU(n.PID(), false)
	}
	return d
}

// pgCPU is the CPU of PostgreSQL: its main process, the backends that
// ended (which it waited for), and the live ones.
func (c *Cluster) pgCPU() time.Duration {
	root := c.PG.PID()
	if root == 0 {
		return 0
	}
	d := procCPU(root, true)
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if f := procStat(pid); len(f) > 1 && f[1] == strconv.Itoa(root) {
			d += procCPU(pid, false)
		}
	}
	return d
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// commits is PostgreSQL's count of committed transactions in the
// database.
func (c *Cluster) commits() int64 {
	var n int64
	_ = c.Store.DB().QueryRowContext(context.Background(),
		"SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()").Scan(&n)
	return n
}
