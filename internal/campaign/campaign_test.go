package campaign_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// utf16Slice is what an entity covers, counted as Telegram counts.
func utf16Slice(s string, off, n int) string {
	u := utf16.Encode([]rune(s))
	if off < 0 || off+n > len(u) {
		return "<out of bounds>"
	}
	return string(utf16.Decode(u[off : off+n]))
}

// TestCampaignPersonalisesEachRecipientOnce: a member list goes out from
// one account: each person once, named in their own script (emoji,
// Cyrillic, Hebrew) with bold and a link whose offsets Telegram counts in
// UTF-16; bots, deleted accounts and the sender are skipped, privacy and
// blocks fail with their reason, a reply is counted and shown, and STOP
// puts its sender on the suppression list.
func TestCampaignPersonalisesEachRecipientOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st, campaign.Options{})
		list := e.list(sam, chatMeetup)
		v := e.create(campaign.CreateInput{
			Message:          "Hi **{first_name|there}**, see [our page](https://example.com/meetup) 🎉",
			Audience:         campaign.Audience{ListIDs: []int64{list}},
			SenderAccountIDs: []int64{e.account(sam)},
			Pacing:           campaign.PacingInput{MinIntervalSeconds: intp(0)},
		})
		if v.Status != store.CampaignDraft || v.Recipients != 13 {
			t.Fatalf("created %s with %d recipients, want a draft with the group's 13", v.Status, v.Recipients)
		}
		if n := len(e.sentBy(sam.TGUserID)); n != 0 {
			t.Fatalf("a draft sent %d messages", n)
		}
		e.start(v.ID)
		v = e.waitDone(v.ID)
		if v.Status != store.CampaignCompleted {
			t.Fatalf("campaign %s: %s", v.Status, v.PauseReason)
		}
		// Sid and Sue (the user's other accounts are people too) and six
		// reachable people get it, Pia and Bo refuse, the bot, the deleted
		// account and Sam himself are skipped.
		want := store.DeliveryCounts{Sent: 8, Failed: 2, Skipped: 3}
		if got := v.Counts; got.Sent != want.Sent || got.Failed != want.Failed || got.Skipped != want.Skipped || got.Pending != 0 {
			t.Errorf("counts %+v, want %+v", got, want)
		}
		byTo := map[int64][]sandbox.Message{}
		for _, m := range e.sentBy(sam.TGUserID) {
			byTo[m.To] = append(byTo[m.To], m)
		}
		names := map[int64]string{ann: "Ann", bruno: "Бруно", emoji: "😀 Joy", miriam: "מרים", dan: "Dan", zed: "there", 7002: "Sid", 7003: "Sue"}
		for to, name := range names {
			msgs := byTo[to]
			if len(msgs) != 1 {
				t.Errorf("user %d got %d messages, want 1", to, len(msgs))
				continue
			}
			m := msgs[0]
			wantText := "Hi " + name + ", see our page 🎉\n\nReply STOP to stop receiving messages"
			if m.Text != wantText {
				t.Errorf("user %d got %q, want %q", to, m.Text, wantText)
			}
			got := map[string]string{}
			for _, en := range m.Entities {
				got[en.Type] = utf16Slice(m.Text, en.Offset, en.Length)
			}
			if got["bold"] != name || got["text_url"] != "our page" {
				t.Errorf("user %d entities cover %v, want bold %q and the link text", to, got, name)
			}
			if !m.NoWebpage {
				t.Errorf("user %d: link preview on, the campaign turned it off", to)
			}
		}
		for _, to := range []int64{pia, bo, bot, gone, sam.TGUserID} {
			if len(byTo[to]) != 0 {
				t.Errorf("user %d got a message", to)
			}
		}
		reasons := map[int64]string{}
		for _, r := range e.deliveries(v.ID) {
			reasons[r.UserID] = r.State + ": " + r.Reason
			if r.State == store.DeliverySent && (r.MessageID == 0 || r.SentAt == nil) {
				t.Errorf("sent delivery without Telegram's answer: %+v", r)
			}
		}
		for id, want := range map[int64]string{pia: "failed: Their privacy", bo: "failed: They blocked", bot: "skipped: A bot", gone: "skipped: The Telegram account is deleted", sam.TGUserID: "skipped: One of this campaign's own"} {
			if !strings.HasPrefix(reasons[id], want) {
				t.Errorf("user %d: %q, want %q…", id, reasons[id], want)
			}
		}
		// Ann's reply and Dan's STOP come back as updates.
		v = e.waitFor(v.ID, "two replies", func(v campaign.View) bool { return v.Counts.Replied == 2 })
		replies, err := e.svc.Replies(context.Background(), e.user, v.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		texts := map[int64]string{}
		for _, r := range replies {
			texts[r.TGUserID] = r.ReplyText
		}
		if texts[ann] != "Thanks, sounds good!" || texts[dan] != "STOP" {
			t.Errorf("replies %v", texts)
		}
		sup, err := e.svc.Suppressions(context.Background(), e.user)
		if err != nil {
			t.Fatal(err)
		}
		if len(sup) != 1 || sup[0].TGUserID != dan || sup[0].Username != "dan_stops" || !strings.Contains(sup[0].Reason, "STOP") {
			t.Errorf("suppressions %+v, want Dan for his STOP", sup)
		}
	})
}

// TestSuppressionIsCheckedAtSendTime: someone suppressed after the
// campaign fixed its recipients is still not written to.
func TestSuppressionIsCheckedAtSendTime(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), campaign.Options{})
	list := e.list(sam, chatMeetup)
	v := e.create(campaign.CreateInput{Message: "Hello {first_name|there}", Audience: campaign.Audience{ListIDs: []int64{list}},
		SenderAccountIDs: []int64{e.account(sam)}, Pacing: campaign.PacingInput{MinIntervalSeconds: intp(0), DailyCap: intp(1000)}})
	if _, err := e.svc.Suppress(context.Background(), e.user, "@bruno", "asked on the phone"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Suppress(context.Background(), e.user, "8004", ""); err != nil {
		t.Fatal(err)
	}
	e.start(v.ID)
	e.waitDone(v.ID)
	for _, m := range e.sentBy(sam.TGUserID) {
		if m.To == bruno || m.To == miriam {
			t.Errorf("suppressed user %d got %q", m.To, m.Text)
		}
	}
	for _, r := range e.deliveries(v.ID) {
		if (r.UserID == bruno || r.UserID == miriam) && (r.State != store.DeliverySkipped || r.Reason != "On your suppression list") {
			t.Errorf("suppressed user %d: %s %q", r.UserID, r.State, r.Reason)
		}
	}
}

// TestSavedCampaignRefusesBadInput: nothing is saved when the message,
// audience, senders or pacing are wrong, and the error names the field.
func TestSavedCampaignRefusesBadInput(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), campaign.Options{})
	list := e.list(sam, chatMeetup)
	ok := campaign.CreateInput{Name: "x", Message: "Hi", Audience: campaign.Audience{ListIDs: []int64{list}}, SenderAccountIDs: []int64{e.account(sam)}}
	long := strings.Repeat("a", 4050) + " {full_name}"
	for name, tc := range map[string]struct {
		in    func(campaign.CreateInput) campaign.CreateInput
		field string
		says  string
	}{
		"unknown placeholder":        {func(in campaign.CreateInput) campaign.CreateInput { in.Message = "Hi {nickname}"; return in }, "message", "nickname"},
		"too long for one recipient": {func(in campaign.CreateInput) campaign.CreateInput { in.Message = long; return in }, "message", " characters long for "},
		"no senders":                 {func(in campaign.CreateInput) campaign.CreateInput { in.SenderAccountIDs = nil; return in }, "sender_account_ids", ""},
		"someone else's list": {func(in campaign.CreateInput) campaign.CreateInput {
			in.Audience.ListIDs = []int64{list + 100}
			return in
		}, "audience.list_ids", ""},
		"empty audience": {func(in campaign.CreateInput) campaign.CreateInput { in.Audience = campaign.Audience{}; return in }, "audience", ""},
		"bad time zone": {func(in campaign.CreateInput) campaign.CreateInput {
			in.Pacing.Window = &campaign.WindowInput{From: "09:00", To: "17:00", TimeZone: "Mars/Olympus"}
			return in
		}, "pacing.window.time_zone", "Mars/Olympus"},
		"daily cap 0": {func(in campaign.CreateInput) campaign.CreateInput { in.Pacing.DailyCap = intp(0); return in }, "pacing.daily_cap", ""},
		"no name":     {func(in campaign.CreateInput) campaign.CreateInput { in.Name = " "; return in }, "name", ""},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.svc.Create(context.Background(), e.user, tc.in(ok))
			ae, isApp := apperr.As(err)
			if !isApp || ae.Field != tc.field || !strings.Contains(ae.Message+" "+ae.Hint, tc.says) {
				t.Errorf("error %v (field %q), want one on %q saying %q", err, fieldOf(err), tc.field, tc.says)
			}
		})
	}
	if list, err := e.svc.List(context.Background(), e.user); err != nil || len(list) != 0 {
		t.Errorf("refused campaigns were saved: %d, %v", len(list), err)
	}
}

func fieldOf(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Field
	}
	return ""
}

// TestPeerFloodStopsExactlyOneAccount: Sue is limited by Telegram after
// one stranger; her other recipients wait for her (never moved to
// Sam), Sam finishes his, and the campaign says why it is not done.
func TestPeerFloodStopsExactlyOneAccount(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), campaign.Options{})
	l1, l2 := e.list(sam, chatCrowd), e.list(sue, chatCrowd)
	v := e.create(campaign.CreateInput{Message: "Hello", Audience: campaign.Audience{ListIDs: []int64{l1, l2}},
		SenderAccountIDs: []int64{e.account(sam), e.account(sue)}, Pacing: campaign.PacingInput{MinIntervalSeconds: intp(0), DailyCap: intp(1000)}})
	before := map[int64]int64{}
	for _, r := range e.deliveries(v.ID) {
		before[r.UserID] = r.AccountID
	}
	e.start(v.ID)
	v = e.waitFor(v.ID, "Sue limited and Sam done", func(v campaign.View) bool {
		states := map[int64]string{}
		for _, a := range v.Accounts {
			states[a.ID] = a.State
		}
		return states[e.account(sue)] == campaign.AccountLimited && states[e.account(sam)] == campaign.AccountDone
	})
	if v.Status != store.CampaignRunning || v.Counts.Pending == 0 {
		t.Errorf("campaign %s with %d pending, want running with Sue's messages waiting", v.Status, v.Counts.Pending)
	}
	a, err := e.acc.Get(context.Background(), e.user, e.account(sue))
	if err != nil || a.Status != accounts.StatusLimited {
		t.Errorf("Sue is %q (%v), want limited", a.Status, err)
	}
	for _, r := range e.deliveries(v.ID) {
		if r.AccountID != before[r.UserID] {
			t.Errorf("user %d moved from account %d to %d", r.UserID, before[r.UserID], r.AccountID)
		}
		if r.AccountID == e.account(sue) && r.State == store.DeliveryFailed {
			t.Errorf("Sue's delivery to %d failed (%s) instead of waiting", r.UserID, r.Reason)
		}
	}
	if got := len(e.sentBy(sue.TGUserID)); got != 1 {
		t.Errorf("Sue sent %d messages, want the one Telegram allowed", got)
	}
}

// TestFloodWaitIsHonoured: Telegram makes Sam wait 2 seconds after his
// third message; no message of his leaves inside that wait, Sid goes on
// meanwhile, and Sam finishes after it.
func TestFloodWaitIsHonoured(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), campaign.Options{})
	l1, l2 := e.list(sam, chatCrowd), e.list(sid, chatCrowd)
	if err := e.sbx.SetFault(sandbox.Fault{Method: "messages.sendMessage", After: 3, Error: "FLOOD_WAIT_2", Phone: sam.Phone}); err != nil {
		t.Fatal(err)
	}
	v := e.create(campaign.CreateInput{Message: "Hello {first_name|there}", Audience: campaign.Audience{ListIDs: []int64{l1, l2}},
		SenderAccountIDs: []int64{e.account(sam), e.account(sid)}, Pacing: campaign.PacingInput{MinIntervalSeconds: intp(0), DailyCap: intp(1000)}})
	e.start(v.ID)
	v = e.waitDone(v.ID)
	var hit time.Time
	for _, h := range e.sbx.FaultHits() {
		if h.UserID == sam.TGUserID && strings.HasPrefix(h.Error, "FLOOD_WAIT_2") && hit.IsZero() {
			hit = h.Time
		}
	}
	if hit.IsZero() {
		t.Fatal("the FLOOD_WAIT never fired")
	}
	for _, m := range e.sentBy(sam.TGUserID) {
		if m.Date.After(hit) && m.Date.Before(hit.Add(2*time.Second)) {
			t.Errorf("Sam sent at %v, inside the wait from %v", m.Date, hit)
		}
	}
	sidDuring := 0
	for _, m := range e.sentBy(sid.TGUserID) {
		if m.Date.After(hit) && m.Date.Before(hit.Add(2*time.Second)) {
			sidDuring++
		}
	}
	if sidDuring == 0 {
		t.Error("Sid sent nothing while Sam waited")
	}
	for _, h := range e.sbx.FaultHits() {
		if h.UserID == sam.TGUserID && h.Time.After(hit) {
			t.Errorf("Sam called %s during the wait (%s)", h.Method, h.Error)
		}
	}
	if v.Status != store.CampaignCompleted || v.Counts.Pending != 0 {
		t.Errorf("campaign %s with counts %+v", v.Status, v.Counts)
	}
}

// TestPauseResumeAndCancel: a paused campaign sends nothing more until it
// is resumed, then finishes; a cancelled one skips what it had not sent.
func TestPauseResumeAndCancel(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), campaign.Options{})
	list := e.list(sam, chatCrowd)
	v := e.create(campaign.CreateInput{Message: "One", Audience: campaign.Audience{ListIDs: []int64{list}},
		SenderAccountIDs: []int64{e.account(sam)}, Pacing: campaign.PacingInput{MinIntervalSeconds: intp(1)}})
	e.start(v.ID)
	e.waitFor(v.ID, "two sends", func(v campaign.View) bool { return v.Counts.Sent >= 2 })
	ctx := context.Background()
	if _, err := e.svc.Pause(ctx, e.user, v.ID); err != nil {
		t.Fatal(err)
	}
	// A send claimed before the pause may still finish.
	paused := e.waitFor(v.ID, "the send under way to finish", func(v campaign.View) bool { return v.Counts.Sending == 0 })
	n := len(e.sentBy(sam.TGUserID))
	deadline := time.Now().Add(3 * time.Second) // three intervals
	for time.Now().Before(deadline) {
		if got := len(e.sentBy(sam.TGUserID)); got != n {
			t.Fatalf("a paused campaign sent (%d → %d)", n, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := e.svc.Pause(ctx, e.user, v.ID); !isCode(err, "campaign_paused") {
		t.Errorf("pausing twice: %v", err)
	}
	if _, err := e.svc.Resume(ctx, e.user, v.ID); err != nil {
		t.Fatal(err)
	}
	e.waitFor(v.ID, "a send after resuming", func(v campaign.View) bool { return v.Counts.Sent > paused.Counts.Sent })
	v, err := e.svc.Cancel(ctx, e.user, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != store.CampaignCancelled || v.Counts.Pending != 0 || v.Counts.Skipped == 0 {
		t.Errorf("cancelled campaign %s, counts %+v", v.Status, v.Counts)
	}
	if _, err := e.svc.Resume(ctx, e.user, v.ID); !isCode(err, "campaign_cancelled") {
		t.Errorf("resuming a cancelled campaign: %v", err)
	}
}

func isCode(err error, code string) bool {
	var e *apperr.Error
	return errors.As(err, &e) && e.Code == code
}

// TestTwoCampaignsKeepOneAccountPace: Sam sends for two campaigns at
// once; judged from the sandbox's record, his messages are never closer
// than the larger interval, and both campaigns finish.
func TestTwoCampaignsKeepOneAccountPace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st, campaign.Options{})
		list := e.list(sam, chatMeetup)
		in := campaign.CreateInput{Message: "A", Audience: campaign.Audience{ListIDs: []int64{list}},
			SenderAccountIDs: []int64{e.account(sam)}, Pacing: campaign.PacingInput{MinIntervalSeconds: intp(1)}}
		a := e.create(in)
		in.Message, in.Pacing.MinIntervalSeconds = "B", intp(2)
		in.Audience = campaign.Audience{Usernames: []string{"ann_lee", "joy_fan", "zed_z"}}
		b := e.create(in)
		e.start(a.ID)
		e.start(b.ID)
		e.waitDone(a.ID)
		e.waitDone(b.ID)
		msgs := e.sentBy(sam.TGUserID)
		if len(msgs) != 8+3 {
			t.Errorf("Sam sent %d messages, want 11", len(msgs))
		}
		for i := 1; i < len(msgs); i++ {
			gap := msgs[i].Date.Sub(msgs[i-1].Date)
			need := time.Second
			if strings.HasPrefix(msgs[i].Text, "B") || strings.HasPrefix(msgs[i-1].Text, "B") {
				need = 2 * time.Second
			}
			if gap < need {
				t.Errorf("messages %d and %d of Sam (%q, %q) only %v apart, want %v", i-1, i, msgs[i-1].Text[:1], msgs[i].Text[:1], gap, need)
			}
		}
	})
}

// TestStartWhileTheAccountsJobEndsIsNotLost: a campaign starts just as
// its account's job, having found nothing to send, is ending; the start
// could not enqueue a job of its own (the account's job still ran), so
// the ending job must go again. The tick, which would wake the account
// later, is off.
func TestStartWhileTheAccountsJobEndsIsNotLost(t *testing.T) {
	tickEvery = 0
	t.Cleanup(func() { tickEvery = 300 * time.Millisecond })
	e := newEnv(t, storetest.SQLite(t), campaign.Options{})
	list := e.list(sam, chatMeetup)
	in := campaign.CreateInput{Message: "First", Audience: campaign.Audience{Usernames: []string{"ann_lee"}},
		SenderAccountIDs: []int64{e.account(sam)}, Pacing: campaign.PacingInput{MinIntervalSeconds: intp(0)}}
	first := e.create(in)
	in.Message, in.Audience = "Second", campaign.Audience{ListIDs: []int64{list}}
	second := e.create(in)
	var once sync.Once
	campaign.SetIdleHook(e.svc, func(int64) {
		once.Do(func() { e.start(second.ID) })
	})
	e.start(first.ID)
	e.waitDone(first.ID)
	if v := e.waitDone(second.ID); v.Status != store.CampaignCompleted {
		t.Errorf("second campaign %s", v.Status)
	}
}
