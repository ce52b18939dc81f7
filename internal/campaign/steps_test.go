package campaign_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/testkit"
)

// stepClock is the campaign service's clock in the follow-up tests: the
// real time plus an offset the test moves, so "two days later" comes when
// the test says, and a run asleep until a step is due wakes then.
type stepClock struct{ offset atomic.Int64 }

func (c *stepClock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

func (c *stepClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

func (c *stepClock) sleep(ctx context.Context, d time.Duration) error {
	until := c.now().Add(d)
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for c.now().Before(until) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// stepOptions make runs sleep through the test's hours on its clock
// rather than hand their job to River's scheduler, which waits real time.
func stepOptions(clk *stepClock) campaign.Options {
	return campaign.Options{Now: clk.now, Sleep: clk.sleep, HoldFor: 72 * time.Hour, RunBudget: 96 * time.Hour}
}

// stepOf names which step's message a text is, by its first words.
func stepOf(text string) int {
	switch {
	case strings.HasPrefix(text, "Hi "):
		return 1
	case strings.HasPrefix(text, "Still coming"):
		return 2
	case strings.HasPrefix(text, "Last call"):
		return 3
	}
	return 0
}

// TestFollowUpsStopOnReply: a 3-step campaign to the meetup group. Ann
// replies and Dan says STOP to step 1, Miriam is suppressed by hand
// before step 2, Bruno replies to step 2 just as step 3 falls due (his
// reply reaches Telegram, and at once the clock moves past step 3's
// time). Judged from the sandbox's record: each person got exactly the
// steps they should, each once, with its own delivery's random_id; the
// report says why each stopped.
func TestFollowUpsStopOnReply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		clk := &stepClock{}
		e := newEnv(t, st, stepOptions(clk))
		ctx := context.Background()
		list := e.list(sam, chatMeetup)
		v := e.create(campaign.CreateInput{
			Message:          "Hi {first_name|there}, see you at the meetup",
			Audience:         campaign.Audience{ListIDs: []int64{list}},
			SenderAccountIDs: []int64{e.account(sam)},
			Pacing:           campaign.PacingInput{MinIntervalSeconds: intp(0), DailyCap: intp(100)},
			Steps: []campaign.StepInput{
				{Message: "Still coming, {first_name|there}?", AfterSeconds: 3600},
				{Message: "Last call for the meetup", AfterSeconds: 7200},
			},
		})
		if len(v.Steps) != 3 || v.Steps[1].AfterSeconds != 3600 || v.Steps[2].Message != "Last call for the meetup" {
			t.Fatalf("steps %+v", v.Steps)
		}
		e.start(v.ID)
		// Step 1 reaches the eight reachable people; Ann's and Dan's
		// answers come back at once and cancel their step 2.
		v = e.waitFor(v.ID, "step 1 sent, Ann's and Dan's step 2 cancelled", func(v campaign.View) bool {
			return v.Steps[0].Sent == 8 && v.Steps[1].Cancelled == 2 && v.Steps[1].Pending == 6
		})
		if _, err := e.svc.Suppress(ctx, e.user, "8004", "asked on the phone"); err != nil {
			t.Fatal(err)
		}
		v, err := e.svc.Get(ctx, e.user, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s := v.Steps[1]; s.Cancelled != 3 || s.Pending != 5 || s.NextDue.IsZero() {
			t.Fatalf("after Miriam's suppression, step 2 %+v; want 3 cancelled, 5 pending with a due time", s)
		}
		if n := len(e.sentBy(sam.TGUserID)); n != 8 {
			t.Fatalf("%d messages before step 2 was due, want step 1's 8", n)
		}
		clk.advance(time.Hour)
		v = e.waitFor(v.ID, "step 2 sent", func(v campaign.View) bool { return v.Steps[1].Sent == 5 && v.Steps[2].Pending == 5 })
		// Bruno's reply takes a second to be stored (a slow disk, a busy
		// database): it is at Telegram before step 3 is due, so step 3
		// must wait for it rather than race it.
		var slow atomic.Bool
		slow.Store(true)
		e.in.OnMessageTx(func(ctx context.Context, tx store.Tx, c inbox.Conversation, m inbox.Message) error {
			if c.TGUserID == bruno && m.Incoming() && slow.CompareAndSwap(true, false) {
				time.Sleep(time.Second)
			}
			return nil
		})
		if _, err := e.sbx.Write(bruno, sam.TGUserID, "Yes, I'll be there", nil); err != nil {
			t.Fatal(err)
		}
		clk.advance(2 * time.Hour)
		v = e.waitDone(v.ID)
		if v.Status != store.CampaignCompleted {
			t.Fatalf("campaign %s: %s", v.Status, v.PauseReason)
		}

		want := map[int64][]int{ann: {1}, dan: {1}, miriam: {1}, bruno: {1, 2}, emoji: {1, 2, 3}, zed: {1, 2, 3}, sid.TGUserID: {1, 2, 3}, sue.TGUserID: {1, 2, 3}}
		got := map[int64][]int{}
		randomIDs := map[string]bool{}
		for _, m := range e.sentBy(sam.TGUserID) {
			got[m.To] = append(got[m.To], stepOf(m.Text))
			randomIDs[fmt.Sprintf("%d/%d/%d", m.To, stepOf(m.Text), m.RandomID)] = true
		}
		for to, steps := range want {
			if fmt.Sprint(got[to]) != fmt.Sprint(steps) {
				t.Errorf("user %d got steps %v, want %v", to, got[to], steps)
			}
		}
		for to := range got {
			if _, ok := want[to]; !ok {
				t.Errorf("user %d got steps %v, want none", to, got[to])
			}
		}
		reasons := map[string]string{}
		for _, r := range e.deliveries(v.ID) {
			key := fmt.Sprintf("%d/%d/%s", r.UserID, r.Step, r.RandomID)
			if r.State == store.DeliverySent && !randomIDs[key] {
				t.Errorf("user %d step %d is sent with random_id %s, which Telegram never got", r.UserID, r.Step, r.RandomID)
			}
			if r.Step > 1 {
				reasons[fmt.Sprintf("%d/%d", r.UserID, r.Step)] = r.State + ": " + r.Reason
			}
		}
		for k, w := range map[string]string{
			fmt.Sprintf("%d/2", ann): "skipped: Cancelled: they replied", fmt.Sprintf("%d/2", dan): "skipped: Cancelled: they opted out",
			fmt.Sprintf("%d/2", miriam): "skipped: Cancelled: added to your suppression list", fmt.Sprintf("%d/3", bruno): "skipped: Cancelled: they replied",
			fmt.Sprintf("%d/3", zed): "sent: ",
		} {
			if reasons[k] != w {
				t.Errorf("delivery %s: %q, want %q", k, reasons[k], w)
			}
		}
		type counts struct{ sent, replied, cancelled, pending int }
		for i, w := range []counts{{8, 2, 0, 0}, {5, 1, 3, 0}, {4, 0, 1, 0}} {
			s := v.Steps[i]
			if g := (counts{s.Sent, s.Replied, s.Cancelled, s.Pending}); g != w {
				t.Errorf("step %d: %+v, want %+v", i+1, g, w)
			}
		}
	})
}

// TestKilledServerSendsEveryStepOnce kills the sending process three
// times while it sends a 2-step campaign to 200 people from one account
// (step 2 a second after step 1, so the kills land among first messages,
// follow-ups and the records between them), and restarts it. Judged from
// the sandbox's record: every recipient got each step they were due
// exactly once, each with the random_id of its own delivery row.
func TestKilledServerSendsEveryStepOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	ctx := context.Background()
	st, err := storeopen.Open(ctx, storeopen.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := newEnv(t, st, campaign.Options{})
	l1 := e.list(sam, chatCrowd)
	v := e.create(campaign.CreateInput{Message: "Hello {first_name|there}", Audience: campaign.Audience{ListIDs: []int64{l1}},
		SenderAccountIDs: []int64{e.account(sam)}, Pacing: campaign.PacingInput{MinIntervalSeconds: intp(0), DailyCap: intp(1000)},
		Steps: []campaign.StepInput{{Message: "Following up, {first_name|there}", AfterSeconds: 1}}})
	e.stopJobs()
	// The child keeps the accounts' updates on the connections it sends
	// on, as the server does: this process lets them go.
	e.acc.Close()
	e.sbx.SetLatency(10 * time.Millisecond)
	e.sbx.SetAnswerDelay(10 * time.Millisecond)
	conf := childConf{DataDir: dir, DCs: e.sbx.DCs(), PublicKey: e.sbx.PublicKeyPEM(), UserID: e.user, Start: v.ID, Listen: true}
	sent := func() int { return len(e.sentBy(sam.TGUserID)) }
	for i, killAt := range []int{80, 200, 300, 0} {
		cmd := startChild(t, conf)
		conf.Start = 0
		if killAt == 0 {
			e.waitDone(v.ID)
			break
		}
		testkit.Eventually(t, 90*time.Second, fmt.Sprintf("child %d sends %d messages", i, killAt), func() bool { return sent() >= killAt })
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		t.Logf("killed child %d after %d messages", i, sent())
		rescue(t, st)
	}
	v, err = e.svc.Get(ctx, e.user, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != store.CampaignCompleted || v.Counts.Pending+v.Counts.Sending != 0 {
		t.Fatalf("campaign %s, counts %+v", v.Status, v.Counts)
	}
	got := map[string][]string{} // recipient/step → random_ids
	for _, m := range e.sentBy(sam.TGUserID) {
		step := 1
		if strings.HasPrefix(m.Text, "Following up") {
			step = 2
		}
		k := fmt.Sprintf("%d/%d", m.To, step)
		got[k] = append(got[k], fmt.Sprint(m.RandomID))
	}
	rows := e.deliveries(v.ID)
	firsts := 0
	for _, r := range rows {
		k := fmt.Sprintf("%d/%d", r.UserID, r.Step)
		switch r.State {
		case store.DeliverySent:
			if len(got[k]) != 1 || got[k][0] != r.RandomID {
				t.Errorf("recipient %d step %d: messages with random_ids %v, want exactly one with %s", r.UserID, r.Step, got[k], r.RandomID)
			}
			delete(got, k)
			if r.Step == 1 {
				firsts++
			}
		default:
			if r.Step == 1 && len(got[k]) != 0 {
				t.Errorf("recipient %d (%s: %s) got %d first messages", r.UserID, r.State, r.Reason, len(got[k]))
			}
		}
	}
	for k, ids := range got {
		t.Errorf("%s: %d messages no sent delivery row accounts for", k, len(ids))
	}
	if s := v.Steps; len(s) != 2 || s[1].Sent+s[1].Cancelled+s[1].Failed != firsts || s[1].Sent < 150 {
		t.Errorf("steps %+v: every one of the %d recipients who got step 1 should have step 2 sent or cancelled", s, firsts)
	}
	var resent int
	if err := e.st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE campaign_id = ? AND attempts > 1`, v.ID).Scan(&resent); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d of %d messages were sent again after a kill (Telegram dropped the duplicates)", resent, v.Counts.Sent)
}

// TestFollowUpWaitsForTheWindow: step 2 falls due an hour after step 1,
// when the account's sending window (an hour around the start) has
// closed. The account says why it waits and until when; step 2 goes
// once the window opens the next day, never before.
func TestFollowUpWaitsForTheWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		clk := &stepClock{}
		e := newEnv(t, st, stepOptions(clk))
		ctx := context.Background()
		now := clk.now().UTC()
		from, to := now.Add(-30*time.Minute).Format("15:04"), now.Add(30*time.Minute).Format("15:04")
		list := e.list(sam, chatMeetup)
		v := e.create(campaign.CreateInput{
			Message: "Hi {first_name|there}", Audience: campaign.Audience{ListIDs: []int64{list}}, SenderAccountIDs: []int64{e.account(sam)},
			Pacing: campaign.PacingInput{MinIntervalSeconds: intp(0), DailyCap: intp(100), Window: &campaign.WindowInput{From: from, To: to, TimeZone: "UTC"}},
			Steps:  []campaign.StepInput{{Message: "Still coming, {first_name|there}?", AfterSeconds: 3600}},
		})
		e.start(v.ID)
		v = e.waitFor(v.ID, "step 1 sent, Ann's and Dan's step 2 cancelled", func(v campaign.View) bool {
			return v.Steps[0].Sent == 8 && v.Steps[1].Pending == 6
		})
		if a := v.Accounts[0]; a.State != campaign.AccountWaiting || a.Reason != campaign.HoldNextStep || a.Until.Before(now.Add(time.Hour)) {
			t.Errorf("before step 2 is due, the account is %s (%s, until %s): %s", a.State, a.Reason, a.Until, a.Detail)
		}
		var waits atomic.Pointer[time.Time]
		campaign.SetWaitHook(e.svc, func(_ int64, until time.Time) { waits.Store(&until) })
		clk.advance(time.Hour + time.Minute)
		v, err := e.svc.Get(ctx, e.user, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		a := v.Accounts[0]
		if a.State != campaign.AccountWaiting || a.Reason != campaign.HoldWindow || !strings.Contains(a.Detail, "opens") {
			t.Fatalf("step 2 due outside the window: the account is %s (%s): %s", a.State, a.Reason, a.Detail)
		}
		opens := a.Until
		if d := opens.Sub(clk.now()); d < 22*time.Hour || d > 24*time.Hour {
			t.Fatalf("the window opens at %s, %s from now; want tomorrow at %s", opens, d, from)
		}
		// The run saw step 2 due and chose to wait for the window.
		testkit.Eventually(t, 90*time.Second, "the sending run waits for the window to open", func() bool {
			w := waits.Load()
			return w != nil && w.Equal(opens)
		})
		clk.advance(opens.Sub(clk.now()) + time.Second)
		v = e.waitDone(v.ID)
		if v.Status != store.CampaignCompleted || v.Steps[1].Sent != 6 {
			t.Fatalf("campaign %s, steps %+v", v.Status, v.Steps)
		}
		for _, r := range e.deliveries(v.ID) {
			if r.Step == 2 && r.State == store.DeliverySent && r.SentAt.Before(opens) {
				t.Errorf("user %d's step 2 went at %s, before the window opened at %s", r.UserID, r.SentAt, opens)
			}
		}
		got := map[int64]int{}
		for _, m := range e.sentBy(sam.TGUserID) {
			got[m.To]++
		}
		for _, to := range []int64{bruno, emoji, miriam, zed, sid.TGUserID, sue.TGUserID} {
			if got[to] != 2 {
				t.Errorf("user %d got %d messages, want 2", to, got[to])
			}
		}
	})
}

// TestCampaignsWithStepsShareOnePace: two campaigns with follow-ups on
// one account, whose follow-ups fall due faster than the account's
// interval allows. Judged from the sandbox's record: the account's
// messages, first ones and follow-ups of both campaigns, are never closer
// than its interval.
func TestCampaignsWithStepsShareOnePace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st, campaign.Options{})
		const interval = 2 * time.Second
		var ids []int64
		for i, names := range [][]string{{"bruno", "zed_z"}, {"joy_fan", "ann_lee"}} {
			v := e.create(campaign.CreateInput{
				Name: fmt.Sprintf("Campaign %d", i+1), Message: "Hi {first_name|there}", Audience: campaign.Audience{Usernames: names},
				SenderAccountIDs: []int64{e.account(sam)}, Pacing: campaign.PacingInput{MinIntervalSeconds: intp(int(interval / time.Second)), DailyCap: intp(100)},
				Steps: []campaign.StepInput{{Message: "Still coming, {first_name|there}?", AfterSeconds: 1}},
			})
			ids = append(ids, v.ID)
		}
		for _, id := range ids {
			e.start(id)
		}
		for _, id := range ids {
			if v := e.waitDone(id); v.Status != store.CampaignCompleted {
				t.Fatalf("campaign %d %s: %s", id, v.Status, v.PauseReason)
			}
		}
		msgs := e.sentBy(sam.TGUserID)
		// Bruno, Zed and Joy get both steps; Ann's reply cancels her
		// follow-up.
		if len(msgs) != 7 {
			t.Fatalf("%d messages, want 7", len(msgs))
		}
		follow := 0
		for i, m := range msgs {
			if stepOf(m.Text) == 2 {
				follow++
			}
			if i > 0 {
				if gap := m.Date.Sub(msgs[i-1].Date); gap < interval {
					t.Errorf("message %d to %d came %s after the one before, under the account's interval of %s", i, m.To, gap, interval)
				}
			}
		}
		if follow != 3 {
			t.Errorf("%d follow-ups, want 3", follow)
		}
	})
}

// TestReplyToTheLastOpenStepCompletesTheCampaign: a 2-step campaign to
// Ann alone, step 2 a day later; her reply to step 1 cancels step 2, and
// with it the campaign's last open message: it completes then, not a day
// later.
func TestReplyToTheLastOpenStepCompletesTheCampaign(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), campaign.Options{})
	v := e.create(campaign.CreateInput{
		Message: "Hi {first_name|there}", Audience: campaign.Audience{Usernames: []string{"ann_lee"}}, SenderAccountIDs: []int64{e.account(sam)},
		Pacing: campaign.PacingInput{MinIntervalSeconds: intp(0)}, Steps: []campaign.StepInput{{Message: "Still coming?", AfterSeconds: 86400}},
	})
	e.start(v.ID)
	v = e.waitDone(v.ID)
	if v.Status != store.CampaignCompleted || v.Steps[0].Replied != 1 || v.Steps[1].Cancelled != 1 {
		t.Fatalf("campaign %s, steps %+v", v.Status, v.Steps)
	}
	if n := len(e.sentBy(sam.TGUserID)); n != 1 {
		t.Errorf("%d messages, want step 1 alone", n)
	}
}
