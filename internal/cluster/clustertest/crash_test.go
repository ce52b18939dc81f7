package clustertest

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/testkit"
)

func TestMain(m *testing.M) {
	if path := os.Getenv(bareEnv); path != "" {
		bareMain(path)
		return
	}
	Main(m)
}

// takeoverTarget is how soon after a node's death its accounts must send
// again from another node.
const takeoverTarget = 30 * time.Second

// crash is one crash test's shape.
type crash struct {
	nodes    []string
	postgres bool
	senders  int
	crowd    int
	big      int
	interval int // seconds between two messages of one account
	latency  time.Duration
}

// TestThreeNodesSurviveAKill runs three nodes on PostgreSQL: a 2,000-
// recipient campaign from 40 accounts a second apart and an extraction of
// 9,000 members, SIGKILLs the node that runs the extraction mid-send, and
// starts it again once the others have taken its accounts over. Judged
// from the sandbox's record: every recipient got exactly one message, no
// account was connected from two nodes at once, no account sent two
// messages less than a second apart, the accounts of the dead node sent
// again within 30 s, the campaign completed and the member list is whole.
// Messages people wrote to the dead node's accounts while it was down are
// all in the inbox after the takeover, none twice; before the kill, a
// person's chat listing on a node that does not hold the account is
// answered.
func TestThreeNodesSurviveAKill(t *testing.T) {
	runCrash(t, crash{nodes: []string{"node1", "node2", "node3"}, postgres: true,
		senders: 40, crowd: 2000, big: 9000, interval: 1, latency: 200 * time.Millisecond})
}

// TestOneNodeOnSQLiteSurvivesAKill is the crash test for a single node on
// SQLite: the node is killed mid-send and started again, and takes its
// own dead process's work over.
func TestOneNodeOnSQLiteSurvivesAKill(t *testing.T) {
	runCrash(t, crash{nodes: []string{"solo"}, senders: 20, crowd: 600, big: 4000, interval: 1, latency: 200 * time.Millisecond})
}

func runCrash(t *testing.T, o crash) {
	c := New(t, Options{Senders: o.senders, CrowdSize: o.crowd, BigSize: o.big, Postgres: o.postgres})
	for _, name := range o.nodes {
		c.StartNode(name)
	}
	first := c.Node(o.nodes[0])
	v := c.CrowdCampaign(first, o.interval)
	t.Logf("campaign %d: %d recipients from %d accounts", v.ID, v.Recipients, len(c.Senders))

	c.Sandbox.SetLatency(o.latency)
	c.StartCampaign(first, v.ID)
	// Every account sends once, then the extraction starts, and the node
	// that holds the extractor's account dies as soon as the first page is
	// saved: mid-send and mid-extraction, so both are taken over.
	c.WaitSent(len(c.Senders), time.Minute)
	big := c.Extract(c.Node(o.nodes[len(o.nodes)-1]), c.Extractor, BigChat)
	// Three sending accounts extract too while they send: the extraction
	// and the sending may be picked up by different nodes, and only one
	// may speak for the account at a time.
	var contended []int64
	for _, a := range c.Senders[:3] {
		contended = append(contended, c.Extract(c.Node(o.nodes[len(o.nodes)-1]), a, CrowdChat).ID)
	}
	var x Extraction
	testkit.EventuallyWith(t, time.Minute, "the extraction to start", func() (bool, string) {
		var err error
		x, err = c.Extraction(big.ID)
		if err == nil && x.Fetched > 0 {
			return true, ""
		}
		if err == nil && x.Final() {
			t.Fatalf("the extraction ended before the kill: %+v", x)
		}
		return false, fmt.Sprintf("%+v %v", x, err)
	})
	// The victim: the node running the extraction if it also sends, else
	// the node sending for the most accounts.
	victim := c.nodeHolding(c.Extractor.TGUserID)
	if victim == nil || len(c.HeldBy(victim.Name, time.Now())) == 0 {
		var most []int64
		for _, n := range c.Live() {
			if h := c.HeldBy(n.Name, time.Now()); len(h) > len(most) {
				victim, most = n, h
			}
		}
	}
	if victim == nil {
		t.Fatal("no node holds an account")
	}
	withExtraction := c.nodeHolding(c.Extractor.TGUserID) == victim
	if len(o.nodes) > 1 {
		// A person's request on a node that does not hold the account
		// is answered (the account is handed over), never account_busy.
		c.CheckChatsFromOtherNode(victim)
	}
	died := victim.Kill()
	held := c.HeldBy(victim.Name, died)
	// People write to the dead node's accounts while nobody holds them.
	const whileDead = "Written while your node was down"
	for _, a := range held {
		if _, err := c.Sandbox.Write(c.Extractor.TGUserID, a, whileDead, nil); err != nil {
			t.Fatal(err)
		}
	}
	sentAtKill := len(c.Sent())
	t.Logf("killed %s after %d messages, holding %d senders (and the extraction: %v), the extraction at %d of %d", victim.Name, sentAtKill, len(held), withExtraction, x.Fetched, x.Total)
	if len(held) == 0 {
		t.Errorf("%s held no sending account when killed: the kill proved nothing about takeover", victim.Name)
	}

	// The others take its accounts over (alone, it comes back first).
	if len(o.nodes) == 1 {
		c.StartNode(victim.Name)
	}
	deadline := time.Now().Add(2 * takeoverTarget)
	for {
		gaps, ok := c.Takeover(held, died)
		if ok {
			t.Logf("%d accounts of %s sent again within %s (each: %v)", len(gaps), victim.Name, MaxGap(gaps).Round(time.Millisecond), sortedGaps(gaps))
			if m := MaxGap(gaps); m > takeoverTarget {
				t.Errorf("the accounts of the dead node sent again only after %s, want at most %s", m.Round(time.Millisecond), takeoverTarget)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("%d of %d accounts of the dead node sent nothing in %s (sent again: %v)", len(held)-len(gaps), len(held), 2*takeoverTarget, sortedGaps(gaps))
			c.LogConnectionsSince(held, gaps, died)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(o.nodes) > 1 {
		c.StartNode(victim.Name)
	}

	// Every message written while the node was dead is in the inbox,
	// once, after the takeover's getDifference.
	c.CheckInbox(held, c.Extractor.TGUserID, whileDead, takeoverTarget)
	done := c.WaitCampaign(v.ID, 3*time.Minute)
	xs := c.WaitExtractions(time.Minute, append([]int64{big.ID}, contended...)...)
	sent := c.CheckExactlyOnce(v.ID)
	t.Logf("campaign: %d sent, %d failed, %d skipped; sandbox delivered %d", done.Counts.Sent, done.Counts.Failed, done.Counts.Skipped, len(c.Sent()))
	if sent != done.Counts.Sent || sent < v.Recipients/2 {
		t.Errorf("%d deliveries sent, the campaign counts %d of %d recipients", sent, done.Counts.Sent, v.Recipients)
	}
	c.CheckOneNodePerAccount()
	c.CheckPacing(time.Duration(o.interval) * time.Second)
	c.CheckMembers(xs[0], BigChat)
	for _, x := range xs[1:] {
		c.CheckMembers(x, CrowdChat)
	}
}

// nodeHolding is the live node with an open connection of the Telegram
// user, nil when none has one.
func (c *Cluster) nodeHolding(tgUserID int64) *Node {
	now := time.Now()
	for _, n := range c.Live() {
		for _, conn := range c.Sandbox.ConnectionLog() {
			if conn.Node == n.Name && conn.UserID == tgUserID && conn.Open() && !conn.Opened.After(now) {
				return n
			}
		}
	}
	return nil
}

func sortedGaps(gaps map[int64]time.Duration) []time.Duration {
	out := make([]time.Duration, 0, len(gaps))
	for _, g := range gaps {
		out = append(out, g.Round(time.Millisecond))
	}
	slices.Sort(out)
	return out
}
