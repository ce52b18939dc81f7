package clustertest

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/testkit"
)

// TestFaultsDuringCampaignAndExtraction runs two nodes on PostgreSQL
// through everything the sandbox and the database can do wrong while a
// campaign sends and an extraction runs: connections dropped (before a
// call is carried out, and all of them now and then, answers in flight
// included), INTERNAL errors, a FLOOD_WAIT storm on some accounts, and
// PostgreSQL stopped and started again mid-send. Everything recovers: the
// campaign completes with every recipient messaged exactly once, every
// FLOOD_WAIT is honoured, no account is connected from two nodes at once,
// and the member list is whole.
func TestFaultsDuringCampaignAndExtraction(t *testing.T) {
	c := New(t, Options{Senders: 12, CrowdSize: 240, BigSize: 3000, Postgres: true})
	a, b := c.StartNode("node1"), c.StartNode("node2")
	v := c.CrowdCampaign(a, 1)
	t.Logf("campaign %d: %d recipients from %d accounts", v.ID, v.Recipients, len(c.Senders))

	c.Sandbox.SetLatency(50 * time.Millisecond)
	// An INTERNAL error once per account and method (the run resumes
	// after a short wait of its own), a FLOOD_WAIT now and then
	// on the extraction, connections dropped before every sixth send of
	// two accounts, and a FLOOD_WAIT storm on four others.
	faults := []sandbox.Fault{
		{Method: "messages.sendMessage", After: 5, Error: "INTERNAL"},
		{Method: "channels.getParticipants", After: 3, Error: "INTERNAL"},
		{Method: "channels.getParticipants", After: 6, Every: 8, Error: "FLOOD_WAIT_2", Phone: c.Extractor.Phone},
	}
	for i, s := range c.Senders[:6] {
		if i < 2 {
			faults = append(faults, sandbox.Fault{Method: "messages.sendMessage", After: 2, Every: 6, Error: "DROP_CONNECTION", Phone: s.Phone})
		} else {
			faults = append(faults, sandbox.Fault{Method: "messages.sendMessage", After: 1, Every: 4, Error: "FLOOD_WAIT_3", Phone: s.Phone})
		}
	}
	for _, f := range faults {
		if err := c.Sandbox.SetFault(f); err != nil {
			t.Fatal(err)
		}
	}
	stopDrops := c.dropEvery(3 * time.Second)
	defer stopDrops()

	c.StartCampaign(a, v.ID)
	big := c.Extract(b, c.Extractor, BigChat)

	// PostgreSQL goes away for a few seconds a third of the way through.
	c.WaitSent(v.Recipients/3, 2*time.Minute)
	c.PG.Stop()
	down := time.Now()
	for _, n := range []*Node{a, b} {
		if code, body := c.Healthz(n); code != http.StatusServiceUnavailable {
			t.Errorf("%s's /healthz with the database down: %d %s, want 503", n.Name, code, body)
		}
	}
	sentDown := len(c.Sent())
	time.Sleep(3 * time.Second) // the outage itself, not a wait for work
	c.PG.Start()
	t.Logf("PostgreSQL was down for %s; %d messages sent meanwhile", time.Since(down).Round(time.Millisecond), len(c.Sent())-sentDown)
	// One after the other, within one limit: a node found ready is not
	// asked again.
	nodes := []*Node{a, b}
	testkit.EventuallyWith(t, 30*time.Second, "/healthz of both nodes after the database came back", func() (bool, string) {
		for ; len(nodes) > 0; nodes = nodes[1:] {
			if code, body := c.Healthz(nodes[0]); code != http.StatusOK {
				return false, fmt.Sprintf("%s's: %d %s", nodes[0].Name, code, body)
			}
		}
		return true, ""
	})

	done := c.WaitCampaign(v.ID, 3*time.Minute)
	xs := c.WaitExtractions(time.Minute, big.ID)
	stopDrops()
	sent := c.CheckExactlyOnce(v.ID)
	t.Logf("campaign: %d sent, %d failed, %d skipped; faults answered: %s", done.Counts.Sent, done.Counts.Failed, done.Counts.Skipped, hitSummary(c.Sandbox.FaultHits()))
	if sent != done.Counts.Sent || done.Counts.Failed > v.Recipients/10 {
		t.Errorf("%d deliveries sent, the campaign counts %d sent and %d failed of %d", sent, done.Counts.Sent, done.Counts.Failed, v.Recipients)
	}
	for _, p := range FloodWaitViolations(c.Sandbox.FaultHits()) {
		t.Error(p)
	}
	c.CheckOneNodePerAccount()
	c.CheckPacing(time.Second)
	c.CheckMembers(xs[0], BigChat)
}

// dropEvery closes every client connection every d until stopped.
func (c *Cluster) dropEvery(d time.Duration) (stop func()) {
	done := make(chan struct{})
	var once sync.Once
	go func() {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				c.Sandbox.DropConnections()
			}
		}
	}()
	return func() { once.Do(func() { close(done) }) }
}

// FloodWaitViolations lists the calls an account made on a method while
// Telegram's FLOOD_WAIT for it still ran (the sandbox answers them with
// the seconds left, and records each).
func FloodWaitViolations(hits []sandbox.FaultHit) []string {
	type key struct {
		user   int64
		method string
	}
	until := map[key]time.Time{}
	var out []string
	for _, h := range hits {
		secs, ok := strings.CutPrefix(h.Error, "FLOOD_WAIT_")
		if !ok {
			continue
		}
		k := key{h.UserID, h.Method}
		if u, seen := until[k]; seen && h.Time.Before(u) {
			out = append(out, "account "+strconv.FormatInt(h.UserID, 10)+" called "+h.Method+" "+u.Sub(h.Time).Round(time.Millisecond).String()+" before its FLOOD_WAIT ended")
			continue
		}
		n, _ := strconv.Atoi(secs)
		until[k] = h.Time.Add(time.Duration(n) * time.Second)
	}
	return out
}

func hitSummary(hits []sandbox.FaultHit) string {
	n := map[string]int{}
	for _, h := range hits {
		e := h.Error
		if strings.HasPrefix(e, "FLOOD_WAIT_") {
			e = "FLOOD_WAIT"
		}
		n[h.Method+" "+e]++
	}
	var parts []string
	for k, v := range n {
		parts = append(parts, k+" ×"+strconv.Itoa(v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
