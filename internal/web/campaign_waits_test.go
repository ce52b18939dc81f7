package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// waitAcct is one account of a campaign as GET /api/v1/campaigns/{id}
// shows it.
type waitAcct struct {
	ID     int64      `json:"id"`
	State  string     `json:"state"`
	Reason string     `json:"reason"`
	Detail string     `json:"detail"`
	Until  *time.Time `json:"until"`
}

type waitCampaign struct {
	Status       string     `json:"status"`
	StatusDetail string     `json:"status_detail"`
	ResumesAt    *time.Time `json:"resumes_at"`
	Accounts     []waitAcct `json:"accounts"`
}

// TestCampaignAccountsSayWhyTheyWait: each account of a running campaign
// says what it does and until when, from the database alone, in the API
// and on the page: at its daily cap (until midnight of its day), in a
// FLOOD_WAIT, outside the window (until it opens), limited by PEER_FLOOD
// (a link to reset it), needing a new login, or sending. A campaign no
// account can send for says why and when it resumes, not "Sending".
func TestCampaignAccountsSayWhyTheyWait(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		token := ann.createToken(t, "waits")
		uid := ann.userID(t)
		ctx := context.Background()
		capped := senderOf(t, e, "ann@example.com", 2000201, "Capped")
		flooded := senderOf(t, e, "ann@example.com", 2000202, "Flooded")
		windowed := senderOf(t, e, "ann@example.com", 2000203, "Windowed")
		limited := senderOf(t, e, "ann@example.com", 2000204, "Limited")
		free := senderOf(t, e, "ann@example.com", 2000205, "Free")
		relogin := senderOf(t, e, "ann@example.com", 2000206, "Relogin")

		now := time.Now().UTC()
		midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
		if left := midnight.Sub(now); left < time.Minute {
			// The capped account's day would end while the test looks at it.
			time.Sleep(left + time.Second)
			now = time.Now().UTC()
			midnight = time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
		}
		// Within ten minutes of midnight the time carries its seconds
		// ("00:00:00 UTC"), so only the minutes are fixed here.
		// The capped account sent its 2 of the day already.
		if err := s.InTx(ctx, func(tx store.Tx) error {
			p, err := tx.LockPace(ctx, capped, now)
			if err != nil {
				return err
			}
			p.LastSendAt, p.NextSendAt, p.Day, p.DayCount = now.Add(-time.Hour), now.Add(-time.Hour), now.Format("2006-01-02")+"@UTC", 2
			return tx.SavePace(ctx, p, now)
		}); err != nil {
			t.Fatal(err)
		}
		floodUntil := now.Add(90 * time.Minute).Truncate(time.Second)
		for _, st := range []struct {
			id     int64
			status string
			until  time.Time
		}{{flooded, store.AccountFloodWait, floodUntil}, {limited, store.AccountLimited, time.Time{}}, {relogin, store.AccountNeedsRelogin, time.Time{}}} {
			if err := s.SetAccountStatus(ctx, st.id, st.status, st.until, "", now); err != nil {
				t.Fatal(err)
			}
		}
		// A window that opens in two hours and closes an hour later.
		from, to := now.Add(2*time.Hour).Hour(), now.Add(3*time.Hour).Hour()
		opens := time.Date(now.Year(), now.Month(), now.Day(), from, 0, 0, 0, time.UTC)
		if !opens.After(now) {
			opens = opens.AddDate(0, 0, 1)
		}
		running := func(name string, window bool, senders ...int64) int64 {
			t.Helper()
			c := store.Campaign{UserID: uid, Name: name, Message: "hi", Status: store.CampaignRunning, MinIntervalSeconds: 30,
				DailyCap: 2, FailurePercent: 10, CreatedAt: now, StartedAt: now, SenderIDs: senders, Audience: "{}"}
			if window {
				c.WindowFrom, c.WindowTo, c.TimeZone = fmt.Sprintf("%02d:00", from), fmt.Sprintf("%02d:00", to), "UTC"
			}
			var ds []store.NewDelivery
			for i, a := range senders {
				ds = append(ds, store.NewDelivery{AccountID: a, TGUserID: int64(9100 + i), State: store.DeliveryPending, RandomID: a*100 + int64(i) + 1})
			}
			created, err := s.CreateCampaign(ctx, store.NewCampaign{Campaign: c, Deliveries: ds})
			if err != nil {
				t.Fatal(err)
			}
			return created.ID
		}
		stuck := running("Stuck", false, capped, flooded)
		shut := running("Shut", true, windowed, limited)
		moving := running("Moving", false, free, relogin)

		get := func(id int64) waitCampaign {
			t.Helper()
			r := ann.api(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d", id), token).wantStatus(t, http.StatusOK)
			var c waitCampaign
			if err := json.Unmarshal([]byte(r.body), &c); err != nil {
				t.Fatal(err)
			}
			return c
		}
		acct := func(c waitCampaign, id int64) waitAcct {
			t.Helper()
			for _, a := range c.Accounts {
				if a.ID == id {
					return a
				}
			}
			t.Fatalf("account %d not on the campaign: %+v", id, c.Accounts)
			return waitAcct{}
		}
		want := func(what string, a waitAcct, state, reason string, until time.Time, detail string) {
			t.Helper()
			gotUntil := time.Time{}
			if a.Until != nil {
				gotUntil = *a.Until
			}
			if a.State != state || a.Reason != reason || !gotUntil.Equal(until) || !strings.Contains(a.Detail, detail) {
				t.Errorf("%s: %s/%s until %v %q, want %s/%s until %v with %q", what, a.State, a.Reason, gotUntil, a.Detail, state, reason, until, detail)
			}
		}

		c := get(stuck)
		want("capped", acct(c, capped), "waiting", "daily_cap", midnight, "Daily cap of 2 reached; next send at 00:00")
		if !regexp.MustCompile(`next send at 00:00(:\d\d)? UTC \(in `).MatchString(acct(c, capped).Detail) {
			t.Errorf("capped: %q, want the time of midnight in UTC and how long until it", acct(c, capped).Detail)
		}
		want("flooded", acct(c, flooded), "waiting", "flood_wait", floodUntil, "FLOOD_WAIT) until "+floodUntil.Format("15:04")+" UTC (in 1 hour 30 minutes)")
		resumes := floodUntil
		if midnight.Before(resumes) {
			resumes = midnight
		}
		if !strings.Contains(c.StatusDetail, "No account can send now: daily cap reached (1 of 2 accounts); FLOOD_WAIT (1 of 2 accounts).") ||
			!strings.Contains(c.StatusDetail, "Sending resumes at "+resumes.Format("15:04")) || c.ResumesAt == nil || !c.ResumesAt.Equal(resumes) {
			t.Errorf("the stuck campaign says %q, resumes at %v; want why, and %v", c.StatusDetail, c.ResumesAt, resumes)
		}

		c = get(shut)
		want("windowed", acct(c, windowed), "waiting", "window", opens, fmt.Sprintf("Outside its sending window (%02d:00–%02d:00 UTC); opens %02d:00 UTC (in ", from, to, from))
		want("limited", acct(c, limited), "limited", "peer_flood", time.Time{}, "PEER_FLOOD")
		if c.ResumesAt == nil || !c.ResumesAt.Equal(opens) || !strings.Contains(c.StatusDetail, "outside its window (1 of 2 accounts); limited by Telegram (PEER_FLOOD) (1 of 2 accounts)") {
			t.Errorf("the shut campaign says %q, resumes at %v; want the window and the limit, and %v", c.StatusDetail, c.ResumesAt, opens)
		}

		c = get(moving)
		want("free", acct(c, free), "sending", "", time.Time{}, "")
		want("relogin", acct(c, relogin), "needs_login", "needs_login", time.Time{}, "logs in again")
		if c.StatusDetail != "" || c.ResumesAt != nil {
			t.Errorf("a campaign one account sends for says %q, resumes at %v", c.StatusDetail, c.ResumesAt)
		}

		// The page says the same.
		row := func(body string, id int64) string {
			t.Helper()
			m := regexp.MustCompile(fmt.Sprintf(`(?s)<tr data-account-id="%d".*?</tr>`, id)).FindString(body)
			if m == "" {
				t.Fatalf("no row of account %d on the page", id)
			}
			return m
		}
		page := ann.get(fmt.Sprintf("/campaigns/%d", stuck)).wantStatus(t, http.StatusOK)
		page.wantBody(t, "No account can send now", "Sending resumes at "+resumes.Format("15:04"))
		page.wantNoBody(t, "at each account&#39;s pace")
		if r := row(page.body, capped); !strings.Contains(r, ">daily cap reached<") || !regexp.MustCompile(`next send at 00:00(:\d\d)? UTC`).MatchString(r) {
			t.Errorf("the capped account's row:\n%s", r)
		}
		if r := row(page.body, flooded); !strings.Contains(r, ">FLOOD_WAIT<") || !strings.Contains(r, "until "+floodUntil.Format("15:04")+" UTC") {
			t.Errorf("the flooded account's row:\n%s", r)
		}
		page = ann.get(fmt.Sprintf("/campaigns/%d", shut)).wantStatus(t, http.StatusOK)
		if r := row(page.body, windowed); !strings.Contains(r, ">outside its window<") || !strings.Contains(r, fmt.Sprintf("opens %02d:00 UTC", from)) {
			t.Errorf("the windowed account's row:\n%s", r)
		}
		if r := row(page.body, limited); !strings.Contains(r, "limited by Telegram (PEER_FLOOD)") || !strings.Contains(r, fmt.Sprintf(`href="/accounts/%d">Check the account and reset its limit`, limited)) {
			t.Errorf("the limited account's row:\n%s", r)
		}
		page = ann.get(fmt.Sprintf("/campaigns/%d", moving)).wantStatus(t, http.StatusOK)
		page.wantBody(t, "Sending, at each account&#39;s pace.")
		if r := row(page.body, relogin); !strings.Contains(r, ">needs a new login<") || !strings.Contains(r, ">Log in again<") {
			t.Errorf("the account that needs a login's row:\n%s", r)
		}
		if r := row(page.body, free); !strings.Contains(r, ">sending<") {
			t.Errorf("the free account's row:\n%s", r)
		}
	})
}

// TestDraftShowsWhoWritesToWhom: before it starts, a draft shows each
// account's recipients and why (seen in an extraction, or a username to
// look up when sending), when each would be done at its pace, and calls
// out an account that gets nobody, with the reason; in the API and on
// the page.
func TestDraftShowsWhoWritesToWhom(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		token := ann.createToken(t, "plan")
		uid := ann.userID(t)
		ctx := context.Background()
		busy := senderOf(t, e, "ann@example.com", 2000301, "Busy")
		idle := senderOf(t, e, "ann@example.com", 2000302, "Idle")
		now := time.Now().UTC()
		c, err := s.CreateCampaign(ctx, store.NewCampaign{
			Campaign: store.Campaign{UserID: uid, Name: "Plan", Message: "hi", Status: store.CampaignDraft, MinIntervalSeconds: 30,
				DailyCap: 2, FailurePercent: 10, CreatedAt: now, SenderIDs: []int64{busy, idle}, Audience: "{}"},
			Deliveries: []store.NewDelivery{
				{AccountID: busy, TGUserID: 11, AccessHash: 111, State: store.DeliveryPending, RandomID: 1},
				{AccountID: busy, TGUserID: 12, AccessHash: 122, State: store.DeliveryPending, RandomID: 2},
				{AccountID: busy, TGUserID: 13, AccessHash: 133, State: store.DeliveryPending, RandomID: 3},
				{AccountID: busy, Username: "cara", State: store.DeliveryPending, RandomID: 4},
				{TGUserID: 15, State: store.DeliverySkipped, ReasonCode: "unreachable", Reason: "None of the sending accounts knows this user", RandomID: 5},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		// Two a day, 30 s apart: two now, two from the next midnight (UTC:
		// there is no window).
		finish := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 30, 0, time.UTC)

		r := ann.api(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d", c.ID), token).wantStatus(t, http.StatusOK)
		var got struct {
			Plan *struct {
				Senders []struct {
					AccountID  int64      `json:"account_id"`
					Recipients int        `json:"recipients"`
					Seen       int        `json:"seen"`
					Lookups    int        `json:"lookups"`
					FinishAt   *time.Time `json:"finish_at"`
					Nobody     string     `json:"nobody"`
				} `json:"senders"`
				Unassigned int        `json:"unassigned"`
				FinishAt   *time.Time `json:"finish_at"`
			} `json:"plan"`
		}
		if err := json.Unmarshal([]byte(r.body), &got); err != nil {
			t.Fatal(err)
		}
		p := got.Plan
		if p == nil || len(p.Senders) != 2 || p.Unassigned != 1 || p.FinishAt == nil || !p.FinishAt.Equal(finish) {
			t.Fatalf("the draft's plan: %s\nwant 2 senders, 1 unassigned, finish %v", r.body, finish)
		}
		if b := p.Senders[0]; b.AccountID != busy || b.Recipients != 4 || b.Seen != 3 || b.Lookups != 1 || b.FinishAt == nil || !b.FinishAt.Equal(finish) || b.Nobody != "" {
			t.Errorf("the busy account's share: %+v", b)
		}
		if i := p.Senders[1]; i.AccountID != idle || i.Recipients != 0 || i.FinishAt != nil || !strings.Contains(i.Nobody, "No recipient goes to it") || !strings.Contains(i.Nobody, "the people known by username only went to accounts with fewer recipients") {
			t.Errorf("the idle account's share: %+v", i)
		}

		page := ann.get(fmt.Sprintf("/campaigns/%d", c.ID)).wantStatus(t, http.StatusOK)
		page.wantBody(t, `id="campaign-plan"`, "Estimated finish: <strong>"+finish.Format("2 Jan 2006 15:04 UTC")+"</strong>",
			"1 recipient has no account that can reach them")
		item := func(id int64) string {
			t.Helper()
			m := regexp.MustCompile(fmt.Sprintf(`(?s)<li class="list-group-item sender-plan[^"]*" data-account-id="%d".*?</li>`, id)).FindString(page.body)
			if m == "" {
				t.Fatalf("no plan of account %d on the page:\n%s", id, page.body)
			}
			return m
		}
		if b := item(busy); !strings.Contains(b, "4 recipients") || !strings.Contains(b, "3 seen by this account in an extraction; 1 known by username only") {
			t.Errorf("the busy account's plan:\n%s", b)
		}
		if r := regexp.MustCompile(fmt.Sprintf(`(?s)<tr data-account-id="%d".*?</tr>`, idle)).FindString(page.body); !strings.Contains(r, ">gets nobody<") {
			t.Errorf("the idle account's row:\n%s", r)
		}
		if i := item(idle); !strings.Contains(i, "list-group-item-warning") || !strings.Contains(i, "Gets nobody.") || !strings.Contains(i, "0 recipients") {
			t.Errorf("the idle account's plan:\n%s", i)
		}

		// Started, the plan gives way to what the accounts do.
		if _, err := s.SetCampaignStatus(ctx, uid, c.ID, []string{store.CampaignDraft}, store.CampaignRunning, "", now); err != nil {
			t.Fatal(err)
		}
		ann.get(fmt.Sprintf("/campaigns/%d", c.ID)).wantStatus(t, http.StatusOK).wantNoBody(t, `id="campaign-plan"`)
	})
}
