package clustertest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestInterruptStopsSendingAtOnce presses Ctrl+C (SIGINT) on a node in
// the middle of a campaign whose sends take 300 ms each. Ctrl+C once took
// 15 s and sent more messages after "shutting down". Judged from the
// sandbox's record: every message it accepted after the signal was
// claimed before it (it was on its way), the sends on their way were
// recorded (none is left mid-send), and the log says what the shutdown
// waits for. The node started again finishes the campaign, each
// recipient once. The time to exit is logged (0.32 s here against 15.1 s
// before).
func TestInterruptStopsSendingAtOnce(t *testing.T) {
	c := New(t, Options{Senders: 2, CrowdSize: 200, BigSize: 10})
	n := c.StartNode("solo")
	v := c.CrowdCampaign(n, 0) // pacing off: the next send is claimed while one is on its way
	c.Sandbox.SetLatency(300 * time.Millisecond)
	c.StartCampaign(n, v.ID)
	c.WaitSent(6, time.Minute)

	signalled := n.Interrupt()
	// How long it takes is logged, not judged (a shared machine is noisy):
	// what made the old stop take 15 s was claiming on until the jobs'
	// deadline, which the claims below judge.
	if !n.Exited(40 * time.Second) {
		t.Fatalf("the node still runs 40 s after SIGINT:\n%s", n.Log(20))
	}
	took := time.Since(signalled)
	t.Logf("the node exited %s after SIGINT", took.Round(time.Millisecond))

	claimed := c.claimedAt(v.ID)
	after := 0
	for _, m := range c.Sent() {
		if !m.Date.After(signalled) {
			continue
		}
		after++
		at, ok := claimed[m.RandomID]
		if !ok {
			t.Errorf("message to %d after the signal has no delivery with random_id %d", m.To, m.RandomID)
			continue
		}
		if at.After(signalled) {
			t.Errorf("message to %d was claimed %s after the signal and sent: a stopping node claims nothing",
				m.To, at.Sub(signalled).Round(time.Millisecond))
		}
	}
	t.Logf("%d messages landed after the signal, all claimed before it", after)
	states := map[string]int{}
	for _, d := range c.deliveries(v.ID) {
		states[d.state]++
	}
	if states["sending"] != 0 {
		t.Errorf("%d deliveries left mid-send: the sends on their way were not recorded (%v)", states["sending"], states)
	}
	if states["pending"] == 0 {
		t.Fatalf("the campaign sent everything before the signal; the test proved nothing (%v)", states)
	}
	log := n.Log(40)
	if !strings.Contains(log, "no new sends or jobs start") || !strings.Contains(log, "sends_in_flight=") || !strings.Contains(log, "at_most=15s") {
		t.Errorf("the log does not say what the shutdown waits for and how long at most:\n%s", log)
	}

	c.StartNode("solo")
	c.WaitCampaign(v.ID, 3*time.Minute)
	if sent := c.CheckExactlyOnce(v.ID); sent == 0 {
		t.Error("nothing sent")
	}
}

// claimedAt maps each claimed delivery's random_id to its claim time.
func (c *Cluster) claimedAt(campaignID int64) map[int64]time.Time {
	c.T.Helper()
	rows, err := c.Store.DB().QueryContext(context.Background(),
		fmt.Sprintf("SELECT random_id, claimed_at FROM deliveries WHERE campaign_id = %d AND claimed_at IS NOT NULL", campaignID))
	if err != nil {
		c.T.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]time.Time{}
	for rows.Next() {
		var (
			id int64
			at sql.NullTime
		)
		if err := rows.Scan(&id, &at); err != nil {
			c.T.Fatal(err)
		}
		out[id] = at.Time
	}
	if err := rows.Err(); err != nil {
		c.T.Fatal(err)
	}
	return out
}
