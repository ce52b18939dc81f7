package clustertest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/store"
)

// Extraction is an extraction as GET /api/v1/extractions/{id} shows it.
type Extraction struct {
	ID      int64  `json:"id"`
	ListID  int64  `json:"list_id"`
	Status  string `json:"status"`
	Fetched int    `json:"fetched"`
	Total   int    `json:"total"`
	Error   *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// Final says whether the extraction has ended.
func (x Extraction) Final() bool {
	return x.Status == "completed" || x.Status == "failed" || x.Status == "cancelled"
}

// Campaign is a campaign as GET /api/v1/campaigns/{id} shows it.
type Campaign struct {
	ID          int64  `json:"id"`
	Status      string `json:"status"`
	PauseReason string `json:"pause_reason"`
	Recipients  int    `json:"recipients"`
	Counts      struct {
		Pending int `json:"pending"`
		Sent    int `json:"sent"`
		Failed  int `json:"failed"`
		Skipped int `json:"skipped"`
	} `json:"counts"`
}

// Extract starts an extraction of chat by acct on node n. While another
// node holds the account the API answers account_busy with retry_after;
// Extract tries again then, as a client should, for up to a minute.
func (c *Cluster) Extract(n *Node, acct Account, chat int64) Extraction {
	c.T.Helper()
	var x Extraction
	start := time.Now()
	deadline := start.Add(time.Minute)
	for tries := 1; ; tries++ {
		err := c.Call(n, http.MethodPost, "/extractions", map[string]any{"account_id": acct.ID, "chat_id": chat}, &x)
		var apiErr *APIError
		if err == nil || !errors.As(err, &apiErr) || !strings.Contains(apiErr.Body, `"account_busy"`) || time.Now().After(deadline) {
			if err != nil {
				c.T.Fatalf("POST /extractions on %s: %v", n.Name, err)
			}
			if tries > 1 {
				c.T.Logf("the extraction by account %d started after %s: another node held the account", acct.ID, time.Since(start).Round(time.Millisecond))
			}
			return x
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// Extraction reads an extraction from any live node.
func (c *Cluster) Extraction(id int64) (Extraction, error) {
	var x Extraction
	err := c.CallAny(http.MethodGet, fmt.Sprintf("/extractions/%d", id), nil, &x)
	return x, err
}

// WaitExtractions waits until every extraction has completed.
func (c *Cluster) WaitExtractions(timeout time.Duration, ids ...int64) []Extraction {
	c.T.Helper()
	deadline := time.Now().Add(timeout)
	out := make([]Extraction, len(ids))
	for i, id := range ids {
		for {
			x, err := c.Extraction(id)
			if err == nil && x.Final() {
				if x.Status != "completed" {
					c.T.Fatalf("extraction %d: %s %+v", id, x.Status, x.Error)
				}
				out[i] = x
				break
			}
			if time.Now().After(deadline) {
				c.T.Fatalf("extraction %d did not end in %s: %+v (%v)", id, timeout, x, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return out
}

// CampaignIn is the body of POST /api/v1/campaigns the cluster tests send.
type CampaignIn struct {
	Name     string `json:"name"`
	Message  string `json:"message"`
	Audience struct {
		ExtractionIDs []int64 `json:"extraction_ids"`
	} `json:"audience"`
	SenderAccountIDs []int64 `json:"sender_account_ids"`
	Pacing           struct {
		MinIntervalSeconds int `json:"min_interval_seconds"`
		DailyCap           int `json:"daily_cap"`
	} `json:"pacing"`
	OptOutFooter bool `json:"opt_out_footer"`
	// The sandbox's generated people refuse strangers now and then: at
	// 100 the campaign never pauses itself for those failures.
	FailurePercent int `json:"failure_percent"`
}

// CrowdCampaign extracts CrowdChat with every sender (so each can reach
// every member) and saves a campaign to its members from all of them,
// interval seconds apart per account (0: pacing off).
func (c *Cluster) CrowdCampaign(n *Node, interval int) Campaign {
	c.T.Helper()
	return c.NewCampaign(n, c.CrowdExtractions(n), interval)
}

// CrowdExtractions extracts CrowdChat with every sender and returns the
// extractions' ids once they have completed.
func (c *Cluster) CrowdExtractions(n *Node) []int64 {
	c.T.Helper()
	var ids []int64
	for _, a := range c.Senders {
		ids = append(ids, c.Extract(n, a, CrowdChat).ID)
	}
	c.WaitExtractions(3*time.Minute, ids...)
	return ids
}

// NewCampaign saves a campaign to the members of the extractions from
// every sender, interval seconds apart per account (0: pacing off).
func (c *Cluster) NewCampaign(n *Node, ids []int64, interval int) Campaign {
	c.T.Helper()
	in := CampaignIn{Name: "Crowd", Message: "Hello {first_name|there}", FailurePercent: 100}
	in.Audience.ExtractionIDs = ids
	for _, a := range c.Senders {
		in.SenderAccountIDs = append(in.SenderAccountIDs, a.ID)
	}
	in.Pacing.MinIntervalSeconds = interval
	in.Pacing.DailyCap = 10_000
	var v Campaign
	c.MustCall(n, http.MethodPost, "/campaigns", in, &v)
	return v
}

// StartCampaign starts a saved campaign.
func (c *Cluster) StartCampaign(n *Node, id int64) {
	c.T.Helper()
	c.MustCall(n, http.MethodPost, fmt.Sprintf("/campaigns/%d/start", id), nil, nil)
}

// Campaign reads a campaign from any live node.
func (c *Cluster) Campaign(id int64) (Campaign, error) {
	var v Campaign
	err := c.CallAny(http.MethodGet, fmt.Sprintf("/campaigns/%d", id), nil, &v)
	return v, err
}

// WaitCampaign waits until the campaign has completed.
func (c *Cluster) WaitCampaign(id int64, timeout time.Duration) Campaign {
	c.T.Helper()
	deadline := time.Now().Add(timeout)
	for {
		v, err := c.Campaign(id)
		if err == nil && v.Status == "completed" {
			return v
		}
		if err == nil && (v.Status == "cancelled" || v.Status == "paused") {
			c.T.Fatalf("campaign %d %s (%s): %+v", id, v.Status, v.PauseReason, v.Counts)
		}
		if time.Now().After(deadline) {
			c.T.Fatalf("campaign %d not completed in %s: %+v (%v)", id, timeout, v, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Sent lists the messages the sandbox delivered from the senders (not the
// scripted replies), oldest first.
func (c *Cluster) Sent() []sandbox.Message {
	from := map[int64]bool{}
	for _, a := range c.Senders {
		from[a.TGUserID] = true
	}
	var out []sandbox.Message
	for _, m := range c.Sandbox.Messages() {
		if from[m.From] && !m.Reply {
			out = append(out, m)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out
}

// WaitSent waits until the sandbox has delivered at least n messages from
// the senders.
func (c *Cluster) WaitSent(n int, timeout time.Duration) {
	c.T.Helper()
	deadline := time.Now().Add(timeout)
	for len(c.Sent()) < n {
		if time.Now().After(deadline) {
			c.T.Fatalf("only %d of %d messages sent in %s", len(c.Sent()), n, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type delivery struct {
	tgUserID int64
	state    string
	randomID int64
	reason   string
}

func (c *Cluster) deliveries(campaignID int64) []delivery {
	c.T.Helper()
	rows, err := c.Store.DB().QueryContext(context.Background(),
		fmt.Sprintf("SELECT tg_user_id, state, random_id, reason FROM deliveries WHERE campaign_id = %d", campaignID))
	if err != nil {
		c.T.Fatal(err)
	}
	defer rows.Close()
	var out []delivery
	for rows.Next() {
		var d delivery
		if err := rows.Scan(&d.tgUserID, &d.state, &d.randomID, &d.reason); err != nil {
			c.T.Fatal(err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		c.T.Fatal(err)
	}
	return out
}

// Delivery is a recipient's delivery row: its state and random_id.
type Delivery struct {
	State    string
	RandomID int64
}

// ExactlyOnce checks, from the sandbox's record, that every recipient the
// campaign counts as sent got exactly one message, with its delivery's
// random_id, and nobody else got any. It returns the number sent.
func ExactlyOnce(msgs []sandbox.Message, deliveries map[int64]Delivery) (sent int, problems []string) {
	got := map[int64][]int64{}
	for _, m := range msgs {
		got[m.To] = append(got[m.To], m.RandomID)
	}
	for to, d := range deliveries {
		ids := got[to]
		switch d.State {
		case "sent":
			sent++
			if len(ids) != 1 || ids[0] != d.RandomID {
				problems = append(problems, fmt.Sprintf("recipient %d: messages with random_ids %v, want exactly one with %d", to, ids, d.RandomID))
			}
		default:
			if len(ids) != 0 {
				problems = append(problems, fmt.Sprintf("recipient %d (%s) got %d messages", to, d.State, len(ids)))
			}
		}
	}
	for to, ids := range got {
		if _, ok := deliveries[to]; !ok {
			problems = append(problems, fmt.Sprintf("%d got %d messages and is no recipient", to, len(ids)))
		}
	}
	sort.Strings(problems)
	return sent, problems
}

// CheckExactlyOnce is ExactlyOnce on the campaign's deliveries and
// everything the senders sent; it fails the test on a problem and returns
// the number sent.
func (c *Cluster) CheckExactlyOnce(campaignID int64) int {
	c.T.Helper()
	ds := map[int64]Delivery{}
	for _, d := range c.deliveries(campaignID) {
		if _, dup := ds[d.tgUserID]; dup {
			c.T.Errorf("recipient %d has two deliveries", d.tgUserID)
		}
		if d.state == "pending" || d.state == "sending" {
			c.T.Errorf("recipient %d still %s", d.tgUserID, d.state)
		}
		ds[d.tgUserID] = Delivery{d.state, d.randomID}
	}
	sent, problems := ExactlyOnce(c.Sent(), ds)
	for i, p := range problems {
		if i == 20 {
			c.T.Errorf("… and %d more", len(problems)-20)
			break
		}
		c.T.Error(p)
	}
	return sent
}

// overlapSlack forgives the moment between a node's hang-up and the
// sandbox reading it (see sandbox.Server.NodeOverlaps).
const overlapSlack = 100 * time.Millisecond

// CheckOneNodePerAccount checks, from the sandbox's connection record,
// that every connection serving an account named its node and that no
// account was connected from two nodes at once.
func (c *Cluster) CheckOneNodePerAccount() {
	c.T.Helper()
	unnamed := 0
	for _, conn := range c.Sandbox.ConnectionLog() {
		if conn.UserID != 0 && conn.Node == "" {
			unnamed++
		}
	}
	if unnamed > 0 {
		c.T.Errorf("%d connections serving an account named no node (initConnection params %q)", unnamed, sandbox.NodeParam)
	}
	for i, o := range c.Sandbox.NodeOverlaps(overlapSlack) {
		if i == 10 {
			c.T.Errorf("… more overlaps")
			break
		}
		c.T.Errorf("account %d connected from nodes %q and %q at once for %s (from %s)",
			o.UserID, o.Conns[0].Node, o.Conns[1].Node, o.To.Sub(o.From).Round(time.Millisecond), o.From.Format("15:04:05.000"))
	}
}

// PacingViolations lists, per sender, two messages closer than interval.
func PacingViolations(msgs []sandbox.Message, interval time.Duration) []string {
	by := map[int64][]time.Time{}
	for _, m := range msgs {
		by[m.From] = append(by[m.From], m.Date)
	}
	var out []string
	for from, ts := range by {
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		for i := 1; i < len(ts); i++ {
			if gap := ts[i].Sub(ts[i-1]); gap < interval {
				out = append(out, fmt.Sprintf("account %d sent two messages %s apart (at %s)", from, gap, ts[i].Format("15:04:05.000")))
			}
		}
	}
	sort.Strings(out)
	return out
}

// CheckPacing fails the test where one sender's messages came closer than
// interval.
func (c *Cluster) CheckPacing(interval time.Duration) {
	c.T.Helper()
	for i, v := range PacingViolations(c.Sent(), interval) {
		if i == 10 {
			c.T.Errorf("… more pacing violations")
			break
		}
		c.T.Error(v)
	}
}

// CheckMembers checks that the extraction's list holds every member of
// the chat, once.
func (c *Cluster) CheckMembers(x Extraction, chat int64) {
	c.T.Helper()
	want := map[int64]bool{}
	for _, m := range c.Sandbox.ChatMembers(chat) {
		want[m.ID] = true
	}
	got := map[int64]int{}
	err := c.Store.ScanMembers(context.Background(), x.ListID, store.MemberFilter{}, func(m store.Member) error {
		got[m.TGUserID]++
		return nil
	})
	if err != nil {
		c.T.Fatal(err)
	}
	missing, dup := 0, 0
	for id := range want {
		if got[id] == 0 {
			missing++
		}
	}
	for _, n := range got {
		if n > 1 {
			dup++
		}
	}
	if missing > 0 || dup > 0 || len(got) != len(want) {
		c.T.Errorf("extraction %d of chat %d: %d members listed, %d missing, %d twice; the chat has %d",
			x.ID, chat, len(got), missing, dup, len(want))
	}
}

// HeldBy lists the senders connected from node at moment at.
func (c *Cluster) HeldBy(node string, at time.Time) []int64 {
	senders := map[int64]bool{}
	for _, a := range c.Senders {
		senders[a.TGUserID] = true
	}
	var out []int64
	for _, conn := range c.Sandbox.ConnectionLog() {
		if conn.Node == node && senders[conn.UserID] && !conn.Opened.After(at) && (conn.Open() || !conn.Closed.Before(at)) &&
			!slices.Contains(out, conn.UserID) {
			out = append(out, conn.UserID)
		}
	}
	slices.Sort(out)
	return out
}

// Takeover is how long after a node died each of the accounts it held
// sent again from another process, for the accounts that did; ok is false
// while some have not. A message the dead node had on its way still
// reaches Telegram after the death; a message counts only from the
// account's first connection opened after the death (by a live process,
// since the dead one opens none).
func (c *Cluster) Takeover(held []int64, died time.Time) (gaps map[int64]time.Duration, ok bool) {
	taken := map[int64]time.Time{}
	for _, conn := range c.Sandbox.ConnectionLog() {
		if conn.Opened.After(died) && slices.Contains(held, conn.UserID) {
			if t, seen := taken[conn.UserID]; !seen || conn.Opened.Before(t) {
				taken[conn.UserID] = conn.Opened
			}
		}
	}
	gaps = map[int64]time.Duration{}
	for _, m := range c.Sent() {
		t, seen := taken[m.From]
		if _, done := gaps[m.From]; seen && !done && !m.Date.Before(t) {
			gaps[m.From] = m.Date.Sub(died)
		}
	}
	return gaps, len(gaps) == len(held)
}

// LogConnectionsSince logs, for each account of held missing from gaps,
// its connections in the data center's record since t: which node, when
// opened and closed, how many calls (what a failed takeover did).
func (c *Cluster) LogConnectionsSince(held []int64, gaps map[int64]time.Duration, t time.Time) {
	for _, id := range held {
		if _, ok := gaps[id]; ok {
			continue
		}
		var lines []string
		for _, conn := range c.Sandbox.ConnectionLog() {
			if conn.UserID != id || (!conn.Open() && conn.Closed.Before(t)) {
				continue
			}
			closed := "open"
			if !conn.Open() {
				closed = conn.Closed.Sub(t).Round(time.Millisecond).String()
			}
			lines = append(lines, fmt.Sprintf("%s opened %s closed %s calls %d", conn.Node,
				conn.Opened.Sub(t).Round(time.Millisecond), closed, conn.Calls))
		}
		c.T.Logf("Telegram user %d after the kill: %v", id, lines)
	}
	// And where the work is: River's jobs of those accounts.
	rows, err := c.Store.DB().QueryContext(context.Background(),
		"SELECT id, kind, state, attempt, max_attempts, COALESCE(attempted_by::text, ''), scheduled_at, args::text FROM river_job "+
			"WHERE state NOT IN ('completed', 'cancelled', 'discarded') ORDER BY id")
	if err != nil {
		c.T.Logf("jobs: %v", err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, attempt, maxAttempts int64
			kind, state, by, args    string
			at                       time.Time
		)
		if err := rows.Scan(&id, &kind, &state, &attempt, &maxAttempts, &by, &at, &args); err != nil {
			c.T.Logf("jobs: %v", err)
			return
		}
		c.T.Logf("job %d %s %s attempt %d/%d by %s scheduled %s: %s", id, kind, state, attempt, maxAttempts, by,
			at.Sub(t).Round(time.Millisecond), args)
	}
}

// MaxGap is the largest of the gaps.
func MaxGap(gaps map[int64]time.Duration) time.Duration {
	var m time.Duration
	for _, g := range gaps {
		m = max(m, g)
	}
	return m
}

// CheckInbox checks that each of the accounts has, in the inbox, exactly
// one message text from the Telegram user from: written while the node
// holding the accounts was dead, it must arrive once the others caught
// up with getDifference.
func (c *Cluster) CheckInbox(accountTGs []int64, from int64, text string, timeout time.Duration) {
	c.T.Helper()
	byTG := map[int64]int64{}
	for _, a := range append(append([]Account(nil), c.Senders...), c.Extractor) {
		byTG[a.TGUserID] = a.ID
	}
	deadline := time.Now().Add(timeout)
	for _, tg := range accountTGs {
		id := byTG[tg]
		var n int
		for {
			n = c.inboxCount(id, from, text)
			if n >= 1 || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if n != 1 {
			c.T.Errorf("account %d (Telegram %d): %q from %d is in the inbox %d times, want once", id, tg, text, from, n)
		}
	}
}

// inboxCount counts the messages text from the person in the account's
// conversations, through the API of any live node.
func (c *Cluster) inboxCount(accountID, from int64, text string) int {
	var list struct {
		Conversations []struct {
			ID     int64 `json:"id"`
			Person struct {
				UserID int64 `json:"user_id"`
			} `json:"person"`
		} `json:"conversations"`
	}
	if err := c.CallAny("GET", fmt.Sprintf("/conversations?account_id=%d&limit=200", accountID), nil, &list); err != nil {
		return 0
	}
	n := 0
	for _, conv := range list.Conversations {
		if conv.Person.UserID != from {
			continue
		}
		var msgs struct {
			Messages []struct {
				Text      string `json:"text"`
				Direction string `json:"direction"`
			} `json:"messages"`
		}
		if err := c.CallAny("GET", fmt.Sprintf("/conversations/%d/messages?limit=200", conv.ID), nil, &msgs); err != nil {
			return 0
		}
		for _, m := range msgs.Messages {
			if m.Direction == "in" && m.Text == text {
				n++
			}
		}
	}
	return n
}

// CheckChatsFromOtherNode lists the chats of an account held by node
// holder through another live node, as a person's page would, asking
// Telegram (refresh): the answer must come, made by the holder's
// connection (accounts' relay), not account_busy.
func (c *Cluster) CheckChatsFromOtherNode(holder *Node) {
	c.T.Helper()
	held := c.HeldBy(holder.Name, time.Now())
	if len(held) == 0 {
		c.T.Errorf("%s holds no account to ask another node about", holder.Name)
		return
	}
	var other *Node
	for _, n := range c.Live() {
		if n != holder {
			other = n
			break
		}
	}
	if other == nil {
		return
	}
	var id int64
	for _, a := range c.Senders {
		if a.TGUserID == held[0] {
			id = a.ID
		}
	}
	began := time.Now()
	var out map[string]any
	// refresh=true asks Telegram: the holder's connection makes the calls.
	if err := c.Call(other, "GET", fmt.Sprintf("/accounts/%d/chats?refresh=true", id), nil, &out); err != nil {
		c.T.Errorf("chats of account %d (held by %s) through %s: %v", id, holder.Name, other.Name, err)
		return
	}
	c.T.Logf("chats of account %d held by %s answered through %s in %s", id, holder.Name, other.Name, time.Since(began).Round(time.Millisecond))
}
