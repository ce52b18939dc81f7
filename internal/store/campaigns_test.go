package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// newCampaign writes a running-ready draft with three recipients for
// account a: ids 11 and 12, and @cara known by username only.
func newCampaign(t *testing.T, s store.Store, userID, a int64) store.Campaign {
	t.Helper()
	c, err := s.CreateCampaign(context.Background(), store.NewCampaign{
		Campaign: store.Campaign{UserID: userID, Name: "Spring", Message: "Hi", Status: store.CampaignDraft, OptOutFooter: true,
			MinIntervalSeconds: 30, DailyCap: 50, FailurePercent: 10, Audience: "{}", CreatedAt: t0, SenderIDs: []int64{a}},
		Deliveries: []store.NewDelivery{
			{AccountID: a, TGUserID: 11, AccessHash: 111, FirstName: "Ann", State: store.DeliveryPending, RandomID: 1001},
			{AccountID: a, TGUserID: 12, AccessHash: 122, Username: "bo", State: store.DeliveryPending, RandomID: 1002},
			{AccountID: a, Username: "cara", State: store.DeliveryPending, RandomID: 1003},
			{TGUserID: 14, State: store.DeliverySkipped, ReasonCode: "bot", Reason: "A bot", RandomID: 1004},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCampaignOutbox: a campaign's deliveries are claimed one at a time
// in order while it runs, each once; suppression (by id or username) is
// seen at claim time; answers are recorded; the campaign completes when
// nothing is open; another user sees none of it.
func TestCampaignOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann, bea := mustUser(t, s, "ann@example.com"), mustUser(t, s, "bea@example.com")
		acct, err := s.CreateAccount(ctx, ann.ID, login(1, "9996620001"))
		if err != nil {
			t.Fatal(err)
		}
		c := newCampaign(t, s, ann.ID, acct.ID)
		if c.Recipients != 4 || len(c.SenderIDs) != 1 || c.SenderIDs[0] != acct.ID || !c.OptOutFooter {
			t.Fatalf("created %+v", c)
		}
		if sh, err := s.CampaignShares(ctx, c.ID); err != nil || len(sh) != 1 || sh[0] != (store.SenderShare{AccountID: acct.ID, Pending: 3, Lookups: 1}) {
			t.Errorf("the account's share: %+v %v, want 3 pending, 1 to look up (cara)", sh, err)
		}
		if _, err := s.CampaignByID(ctx, bea.ID, c.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bea reads ann's campaign: %v", err)
		}
		if _, err := s.NextPendingDelivery(ctx, c.ID, acct.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a draft's delivery is claimable: %v", err)
		}
		if _, err := s.SetCampaignStatus(ctx, ann.ID, c.ID, []string{store.CampaignPaused}, store.CampaignRunning, "", t0); !errors.Is(err, store.ErrConflict) {
			t.Errorf("a draft moved as if paused: %v", err)
		}
		if c, err = s.SetCampaignStatus(ctx, ann.ID, c.ID, []string{store.CampaignDraft}, store.CampaignRunning, "", t0); err != nil || c.StartedAt.IsZero() {
			t.Fatalf("start: %+v %v", c, err)
		}
		if _, _, err := s.AddSuppression(ctx, store.Suppression{UserID: ann.ID, Username: "bo", Reason: "asked", CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		// Bea's list does not hold for Ann's campaigns.
		if _, _, err := s.AddSuppression(ctx, store.Suppression{UserID: bea.ID, TGUserID: 11, Reason: "x", CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		var order []string
		for {
			d, err := s.NextPendingDelivery(ctx, c.ID, acct.ID)
			if errors.Is(err, store.ErrNotFound) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Suppressed {
				order = append(order, "skip "+d.Username)
				if err := s.FinishDelivery(ctx, store.Unfenced, d.ID, store.DeliverySkipped, "suppressed", "On your list", 0, t0); err != nil {
					t.Fatal(err)
				}
				continue
			}
			order = append(order, d.FirstName+d.Username)
			if err := s.ClaimDelivery(ctx, store.Unfenced, d.ID, t0); err != nil {
				t.Fatal(err)
			}
			if err := s.ClaimDelivery(ctx, store.Unfenced, d.ID, t0); !errors.Is(err, store.ErrConflict) {
				t.Errorf("claimed twice: %v", err)
			}
			if d.Username == "cara" {
				// Left mid-send: a later run finds it.
				continue
			}
			if err := s.FinishDelivery(ctx, store.Unfenced, d.ID, store.DeliverySent, "", "", 500+int(d.TGUserID), t0); err != nil {
				t.Fatal(err)
			}
		}
		if want := []string{"Ann", "skip bo", "cara"}; len(order) != len(want) || order[0] != want[0] || order[1] != want[1] || order[2] != want[2] {
			t.Errorf("claims %v, want %v", order, want)
		}
		sending, err := s.SendingDeliveries(ctx, acct.ID)
		if err != nil || len(sending) != 1 || sending[0].Username != "cara" || sending[0].RandomID != 1003 {
			t.Fatalf("mid-send %+v %v", sending, err)
		}
		if done, _ := s.CompleteCampaignIfDone(ctx, c.ID, t0); done {
			t.Error("completed with a send under way")
		}
		if err := s.SetDeliveryPeer(ctx, sending[0].ID, 13, 133, "Cara", "", t0); err != nil {
			t.Fatal(err)
		}
		// A reply can overtake the record of its message's answer.
		if d, err := s.MarkReplied(ctx, acct.ID, 13, "Who is this?", t0); err != nil || d.ID != sending[0].ID {
			t.Errorf("a reply to a message still sending: %+v %v", d, err)
		}
		if err := s.FinishDelivery(ctx, store.Unfenced, sending[0].ID, store.DeliveryFailed, "privacy_restricted", "Privacy", 0, t0); err != nil {
			t.Fatal(err)
		}
		if done, err := s.CompleteCampaignIfDone(ctx, c.ID, t0); err != nil || !done {
			t.Errorf("not completed when nothing is open: %v", err)
		}
		n, err := s.CampaignCounts(ctx, c.ID)
		if err != nil || n.Sent != 1 || n.Failed != 1 || n.Skipped != 2 || n.Pending != 0 {
			t.Errorf("counts %+v %v", n, err)
		}
		if failed, total, err := s.RecentOutcomes(ctx, c.ID, 50); err != nil || failed != 1 || total != 2 {
			t.Errorf("recent outcomes %d of %d, %v", failed, total, err)
		}
		// A reply lands on the delivery that was sent to its writer.
		d, err := s.MarkReplied(ctx, acct.ID, 11, "Thanks!", t0.Add(time.Minute))
		if err != nil || d.TGUserID != 11 || d.ReplyText != "Thanks!" {
			t.Errorf("reply %+v %v", d, err)
		}
		if _, err := s.MarkReplied(ctx, acct.ID, 13, "Hm", t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a reply to a failed delivery: %v", err)
		}
		if n, _ := s.CampaignCounts(ctx, c.ID); n.Replied != 2 {
			t.Errorf("replied %d", n.Replied)
		}
	})
}

// TestAccountPaceIsShared: an account's pace is one row whatever the
// campaign, created on first use and kept as saved.
func TestAccountPaceIsShared(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@example.com")
		acct, err := s.CreateAccount(ctx, ann.ID, login(1, "9996620001"))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.PaceOf(ctx, acct.ID); err != nil || got.DayCount != 0 || !got.NextSendAt.IsZero() {
			t.Errorf("the pace of an account that never sent: %+v %v", got, err)
		}
		var p store.Pace
		err = s.InTx(ctx, func(tx store.Tx) error {
			var err error
			if p, err = tx.LockPace(ctx, acct.ID, t0); err != nil {
				return err
			}
			p.LastSendAt, p.NextSendAt, p.Day, p.DayCount = t0, t0.Add(30*time.Second), "2026-03-01@UTC", 7
			return tx.SavePace(ctx, p, t0)
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.LockPace(ctx, acct.ID, t0)
		if err != nil || !got.NextSendAt.Equal(t0.Add(30*time.Second).Truncate(time.Microsecond)) || got.DayCount != 7 || got.Day != "2026-03-01@UTC" {
			t.Errorf("pace %+v %v", got, err)
		}
		if read, err := s.PaceOf(ctx, acct.ID); err != nil || read != got {
			t.Errorf("PaceOf %+v %v, want %+v", read, err, got)
		}
	})
}

// TestSuppressionList: one entry per person, by id or username, merged
// when both become known, removable, and per user.
func TestSuppressionList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@example.com")
		if _, added, err := s.AddSuppression(ctx, store.Suppression{UserID: ann.ID, Username: "dan", Reason: "Imported", CreatedAt: t0}); err != nil || !added {
			t.Fatal(added, err)
		}
		e, added, err := s.AddSuppression(ctx, store.Suppression{UserID: ann.ID, TGUserID: 42, Username: "dan", Reason: "Replied STOP", CreatedAt: t0})
		if err != nil || added || e.TGUserID != 42 || e.Reason != "Imported" {
			t.Errorf("second entry for dan: %+v added=%v %v", e, added, err)
		}
		if ok, _ := s.IsSuppressed(ctx, ann.ID, 42, ""); !ok {
			t.Error("dan by id not suppressed")
		}
		if n, _ := s.CountSuppressions(ctx, ann.ID); n != 1 {
			t.Errorf("%d entries", n)
		}
		if err := s.DeleteSuppression(ctx, ann.ID, 42, ""); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteSuppression(ctx, ann.ID, 42, ""); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleting twice: %v", err)
		}
		if ok, _ := s.IsSuppressed(ctx, ann.ID, 0, "dan"); ok {
			t.Error("still suppressed by username")
		}
		st := store.UpdatesState{Pts: 10, Qts: 1, Date: 1700000000, Seq: 3}
		acct, _ := s.CreateAccount(ctx, ann.ID, login(1, "9996620001"))
		if _, ok, _ := s.UpdatesStateOf(ctx, acct.ID); ok {
			t.Error("a state before any was stored")
		}
		for _, pts := range []int{10, 12} {
			st.Pts = pts
			if err := s.SetUpdatesState(ctx, acct.ID, st, t0); err != nil {
				t.Fatal(err)
			}
		}
		if got, ok, err := s.UpdatesStateOf(ctx, acct.ID); err != nil || !ok || got != st {
			t.Errorf("updates state %+v %v %v", got, ok, err)
		}
	})
}

// TestAddSuppressionsInBatches: a bulk add counts new and known entries
// across batches, learns an id for an entry known by username, and leaves
// other users' lists alone.
func TestAddSuppressionsInBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann, bea := mustUser(t, s, "ann@example.com"), mustUser(t, s, "bea@example.com")
		if _, _, err := s.AddSuppression(ctx, store.Suppression{UserID: ann.ID, Username: "dan", Reason: "asked", CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.AddSuppression(ctx, store.Suppression{UserID: bea.ID, TGUserID: 7, Reason: "asked", CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		var list []store.Suppression
		for i := range 2*store.WriteBatch + 10 {
			list = append(list, store.Suppression{UserID: ann.ID, TGUserID: int64(i + 1), Reason: "Imported", CreatedAt: t0})
		}
		list = append(list,
			store.Suppression{UserID: ann.ID, TGUserID: 99_000, Username: "dan", Reason: "Imported", CreatedAt: t0}, // learns dan's id
			store.Suppression{UserID: ann.ID, Username: "eve", Reason: "Imported", CreatedAt: t0},
			store.Suppression{UserID: ann.ID, TGUserID: 5, Reason: "Imported", CreatedAt: t0}) // listed in this import already
		added, already, err := s.AddSuppressions(ctx, list)
		if err != nil || added != 2*store.WriteBatch+11 || already != 2 {
			t.Fatalf("added %d, already %d, %v", added, already, err)
		}
		if n, _ := s.CountSuppressions(ctx, ann.ID); n != 2*store.WriteBatch+12 {
			t.Errorf("ann has %d entries", n)
		}
		if ok, _ := s.IsSuppressed(ctx, ann.ID, 99_000, ""); !ok {
			t.Error("dan's id was not learnt")
		}
		if n, _ := s.CountSuppressions(ctx, bea.ID); n != 1 {
			t.Errorf("bea has %d entries", n)
		}
		added, already, err = s.AddSuppressions(ctx, list)
		if err != nil || added != 0 || already != len(list) {
			t.Fatalf("again: added %d, already %d, %v", added, already, err)
		}
		// Pages, newest first, meet the stream entry for entry.
		var streamed []int64
		if err := s.ForEachSuppression(ctx, ann.ID, func(e store.Suppression) error {
			streamed = append(streamed, e.ID)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		var paged []int64
		for before := int64(0); ; {
			page, err := s.SuppressionsPage(ctx, ann.ID, before, 300)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, e := range page {
				paged = append(paged, e.ID)
			}
			before = page[len(page)-1].ID
		}
		if len(streamed) != 2*store.WriteBatch+12 || !slices.Equal(paged, streamed) || !slices.IsSortedFunc(streamed, func(a, b int64) int { return int(b - a) }) {
			t.Errorf("streamed %d entries, paged %d, or out of order", len(streamed), len(paged))
		}
	})
}

// TestCampaignSteps: a sent row's next step is written once (a second
// write, as after a crash, writes nothing), due when asked, skipped with
// the reason when the person replied first; a reply cancels the pending
// follow-ups of every campaign of the account; a reply after a later step
// is that step's, never an earlier one's.
func TestCampaignSteps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ann := mustUser(t, s, "ann@example.com")
		acct, err := s.CreateAccount(ctx, ann.ID, login(1, "9996620001"))
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.CreateCampaign(ctx, store.NewCampaign{
			Campaign: store.Campaign{UserID: ann.ID, Name: "Seq", Message: "Hi", Status: store.CampaignDraft, DailyCap: 50, FailurePercent: 10,
				Audience: "{}", CreatedAt: t0, SenderIDs: []int64{acct.ID}, Steps: []store.Step{{Message: "Again", AfterSeconds: 60}, {Message: "Last", AfterSeconds: 60}}},
			Deliveries: []store.NewDelivery{
				{AccountID: acct.ID, TGUserID: 11, AccessHash: 111, State: store.DeliveryPending, RandomID: 2001},
				{AccountID: acct.ID, TGUserID: 12, AccessHash: 122, State: store.DeliveryPending, RandomID: 2002},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.CampaignForWork(ctx, c.ID); err != nil || len(got.Steps) != 2 || got.Steps[1] != (store.Step{Message: "Last", AfterSeconds: 60}) {
			t.Fatalf("steps read back: %+v %v", got.Steps, err)
		}
		if _, err := s.SetCampaignStatus(ctx, ann.ID, c.ID, []string{store.CampaignDraft}, store.CampaignRunning, "", t0); err != nil {
			t.Fatal(err)
		}
		why := func(code string) store.StepReason { return store.StepReason{Code: code, Text: code} }
		send := func(d store.Delivery, at time.Time) store.Delivery {
			t.Helper()
			if err := s.ClaimDelivery(ctx, store.Unfenced, d.ID, at); err != nil {
				t.Fatal(err)
			}
			if err := s.FinishDelivery(ctx, store.Unfenced, d.ID, store.DeliverySent, "", "", 7, at); err != nil {
				t.Fatal(err)
			}
			d.State = store.DeliverySent
			return d
		}
		first := map[int64]store.Delivery{}
		for range 2 {
			d, err := s.NextPendingDelivery(ctx, c.ID, acct.ID)
			if err != nil {
				t.Fatal(err)
			}
			first[d.TGUserID] = send(d, t0)
		}
		// 12 replies before the record of its step 1 writes step 2.
		if _, err := s.MarkReplied(ctx, acct.ID, 12, "no thanks", t0.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		for _, d := range first {
			for i := range 2 {
				wrote, err := s.AddNextStep(ctx, d, int64(3000+d.TGUserID*10+int64(i)), t0.Add(time.Minute), t0, why("replied"), why("opted_out"), why("suppressed"))
				if err != nil || wrote != (i == 0) {
					t.Fatalf("next step of %d, write %d: wrote %v, %v", d.TGUserID, i+1, wrote, err)
				}
			}
		}
		if _, err := s.NextDueStep(ctx, c.ID, acct.ID, t0.Add(59*time.Second)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a step due at +60s is due at +59s: %v", err)
		}
		if due, ok, err := s.NextStepDue(ctx, c.ID, acct.ID); err != nil || !ok || !due.Equal(t0.Add(time.Minute).Truncate(time.Microsecond)) {
			t.Errorf("next step due %v %v %v, want %v", due, ok, err, t0.Add(time.Minute))
		}
		step2, err := s.NextDueStep(ctx, c.ID, acct.ID, t0.Add(time.Minute))
		if err != nil || step2.TGUserID != 11 || step2.Step != 2 || step2.PrevID != first[11].ID || step2.RandomID != 3110 {
			t.Fatalf("due step %+v %v, want 11's step 2 with its own random_id", step2, err)
		}
		counts, err := s.CampaignStepCounts(ctx, c.ID)
		if err != nil || len(counts) != 2 || counts[0].Sent != 2 || counts[0].Replied != 1 || counts[1].Pending != 1 || counts[1].Cancelled != 1 ||
			!counts[1].NextDue.Equal(t0.Add(time.Minute).Truncate(time.Microsecond)) {
			t.Errorf("step counts %+v %v", counts, err)
		}
		step2 = send(step2, t0.Add(time.Minute))
		if _, err := s.AddNextStep(ctx, step2, 4001, t0.Add(2*time.Minute), t0.Add(time.Minute), why("replied"), why("opted_out"), why("suppressed")); err != nil {
			t.Fatal(err)
		}
		// 11 writes after step 2: the reply is step 2's, and step 3 is
		// cancelled.
		d, err := s.MarkReplied(ctx, acct.ID, 11, "ok", t0.Add(90*time.Second))
		if err != nil || d.ID != step2.ID {
			t.Errorf("reply marked on %+v %v, want step 2 (%d)", d, err, step2.ID)
		}
		if n, err := s.CancelStepsTo(ctx, acct.ID, 11, "replied", "They replied", t0.Add(90*time.Second)); err != nil || n != 1 {
			t.Errorf("cancelled %d, %v; want step 3", n, err)
		}
		if _, err := s.MarkReplied(ctx, acct.ID, 11, "again", t0.Add(100*time.Second)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a second message is a reply to step 1: %v", err)
		}
		if done, err := s.CompleteCampaignIfDone(ctx, c.ID, t0.Add(100*time.Second)); err != nil || !done {
			t.Errorf("complete: %v %v", done, err)
		}
		// The chart's buckets count each step's sends apart: two step 1
		// at t0, one step 2 a minute later.
		buckets, err := s.CampaignTimeline(ctx, c.ID, time.Minute)
		if err != nil || len(buckets) != 2 {
			t.Fatalf("timeline %+v %v, want two minutes", buckets, err)
		}
		if b := buckets[0]; b.Sent != 2 || !slices.Equal(b.StepSent, []int{2, 0}) || b.Replied != 1 {
			t.Errorf("first minute %+v, want 2 sent, all step 1, and 12's reply", b)
		}
		if b := buckets[1]; b.Sent != 1 || !slices.Equal(b.StepSent, []int{0, 1}) || b.Replied != 1 {
			t.Errorf("second minute %+v, want step 2's send and 11's reply", b)
		}
	})
}
