package campaign

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/usertext"
)

// Account states on a campaign's page.
const (
	AccountSending    = "sending"
	AccountWaiting    = "waiting"
	AccountLimited    = "limited"
	AccountNeedsLogin = "needs_login"
	AccountDone       = "done"
)

// View is a campaign as its page and the API show it.
type View struct {
	store.Campaign
	Counts   store.DeliveryCounts
	Accounts []AccountView
	Reasons  []store.ReasonCount
	// Plan is set while the campaign is a draft or scheduled.
	Plan *Plan
	// Steps are the first message's and each follow-up's counts, step 1
	// first.
	Steps []StepView
	now   time.Time // when the accounts' states were read
}

// AccountView is one sending account's part of a campaign.
type AccountView struct {
	ID    int64
	Name  string
	State string
	// Reason is why it does not send now (HoldDailyCap, HoldFloodWait,
	// …), "" while it sends or is done.
	Reason  string
	Detail  string    // why it waits or stopped, for people
	Until   time.Time // when a waiting account goes on, if known
	Counts  store.DeliveryCounts
	Problem bool // a person must act (limited, needs login)
}

// StepView is one step's part of a campaign.
type StepView struct {
	Index        int // 1 for the first message
	Message      string
	AfterSeconds int // after the step before reached a recipient; 0 for step 1
	// MediaID is the stored file the step attaches; 0 for none.
	MediaID int64
	store.StepCounts
}

// Delay is the step's wait after the step before, for people: "2 days",
// "6 hours", "90 seconds"; "" for step 1.
func (s StepView) Delay() string { return StepDelay(s.AfterSeconds) }

// Prev is the index of the step before.
func (s StepView) Prev() int { return s.Index - 1 }

// StepDelay is a follow-up's delay in seconds, for people.
func StepDelay(seconds int) string {
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case seconds <= 0:
		return ""
	case seconds%86400 == 0:
		return plural(seconds/86400, "day")
	case seconds%3600 == 0:
		return plural(seconds/3600, "hour")
	}
	return apperr.FormatWait(time.Duration(seconds) * time.Second)
}

// Final reports whether the campaign has ended.
func (v View) Final() bool {
	return v.Status == store.CampaignCompleted || v.Status == store.CampaignCancelled
}

// Get is one of the user's campaigns.
func (s *Service) Get(ctx context.Context, userID, id int64) (View, error) {
	c, err := s.campaign(ctx, userID, id)
	if err != nil {
		return View{}, err
	}
	return s.view(ctx, c)
}

// List is the user's campaigns, newest first, with their counts.
func (s *Service) List(ctx context.Context, userID int64) ([]View, error) {
	list, err := s.st.ListCampaigns(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	out := make([]View, 0, len(list))
	for _, c := range list {
		counts, err := s.st.CampaignCounts(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, View{Campaign: c, Counts: counts})
	}
	return out, nil
}

// MaxCampaignsPage bounds a page of the list: each campaign's counts
// are read with it.
const MaxCampaignsPage = 200

// ListPage is a page of the user's campaigns, newest first, with their
// counts, after cursor (a previous page's next; "" for the first); next
// is "" on the last page. limit 0 is 50.
func (s *Service) ListPage(ctx context.Context, userID int64, cursor string, limit int) (out []View, next string, err error) {
	var before int64
	if cursor != "" {
		if before, err = strconv.ParseInt(cursor, 10, 64); err != nil || before <= 0 {
			return nil, "", fieldError("cursor", "That page link is not valid", "Start again from the first page.")
		}
	}
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, MaxCampaignsPage)
	list, err := s.st.CampaignsPage(ctx, userID, before, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list campaigns: %w", err)
	}
	if len(list) > limit {
		list = list[:limit]
		next = strconv.FormatInt(list[limit-1].ID, 10)
	}
	out = make([]View, 0, len(list))
	for _, c := range list {
		counts, err := s.st.CampaignCounts(ctx, c.ID)
		if err != nil {
			return nil, "", err
		}
		out = append(out, View{Campaign: c, Counts: counts})
	}
	return out, next, nil
}

// Count is how many campaigns the user has (the dashboard).
func (s *Service) Count(ctx context.Context, userID int64) (int, error) {
	return s.st.CountCampaigns(ctx, userID)
}

func (s *Service) campaign(ctx context.Context, userID, id int64) (store.Campaign, error) {
	c, err := s.st.CampaignByID(ctx, userID, id)
	if errors.Is(err, store.ErrNotFound) {
		return c, errNotFound
	}
	if err != nil {
		return c, fmt.Errorf("campaign %d: %w", id, err)
	}
	return c, nil
}

func (s *Service) view(ctx context.Context, c store.Campaign) (View, error) {
	now := s.now()
	v := View{Campaign: c, now: now}
	var err error
	if v.Counts, err = s.st.CampaignCounts(ctx, c.ID); err != nil {
		return v, err
	}
	if v.Reasons, err = s.st.CampaignReasons(ctx, c.ID); err != nil {
		return v, err
	}
	if v.Steps, err = s.steps(ctx, c); err != nil {
		return v, err
	}
	attached, err := s.st.CampaignMedia(ctx, c.ID)
	if err != nil {
		return v, err
	}
	for i := range v.Steps {
		v.Steps[i].MediaID = attached[v.Steps[i].Index]
	}
	perAccount, err := s.st.CampaignAccountCounts(ctx, c.ID)
	if err != nil {
		return v, err
	}
	counts := map[int64]store.DeliveryCounts{}
	for _, pc := range perAccount {
		counts[pc.AccountID] = pc
	}
	for _, id := range c.SenderIDs {
		a, err := s.acc.Get(ctx, c.UserID, id)
		if err != nil {
			v.Accounts = append(v.Accounts, AccountView{ID: id, Counts: counts[id], Name: fmt.Sprintf("Account %d", id), State: AccountNeedsLogin,
				Reason: HoldNeedsLogin, Detail: "The account is no longer connected.", Problem: true})
			continue
		}
		pc, err := s.st.PaceOf(ctx, id)
		if err != nil {
			return v, fmt.Errorf("pace of account %d: %w", id, err)
		}
		av := accountState(c, a, pc, counts[id], now)
		if av.State == AccountSending && len(c.Steps) > 0 {
			if av, err = s.waitingForStep(ctx, c, id, av, now); err != nil {
				return v, err
			}
		}
		av.ID, av.Name, av.Counts = id, a.Name, counts[id]
		v.Accounts = append(v.Accounts, av)
	}
	if c.Status == store.CampaignDraft || c.Status == store.CampaignScheduled {
		if v.Plan, err = s.plan(ctx, v); err != nil {
			return v, err
		}
	}
	return v, nil
}

// Why an account does not send now (AccountView.Reason), beside the
// pace's holds (HoldInterval, HoldDailyCap, HoldWindow, HoldRate).
const (
	HoldFloodWait  = "flood_wait"    // Telegram said FLOOD_WAIT
	HoldPeerFlood  = "peer_flood"    // Telegram said PEER_FLOOD: a person resets it
	HoldNeedsLogin = "needs_login"   // the session ended
	HoldDraft      = "draft"         // the campaign is not started
	HoldScheduled  = "scheduled"     // the campaign starts later
	HoldPaused     = "paused"        // the campaign is paused
	HoldNobody     = "no_recipients" // a campaign not started gives it nobody
	HoldNextStep   = "next_step"     // its open messages are follow-ups not yet due
)

// holdLabels name the reasons in a few words (the account's badge).
var holdLabels = map[string]string{
	HoldInterval:   "waiting for its interval",
	HoldDailyCap:   "daily cap reached",
	HoldWindow:     "outside its window",
	HoldRate:       "waiting for the campaign's hourly rate",
	HoldFloodWait:  "FLOOD_WAIT",
	HoldPeerFlood:  "limited by Telegram (PEER_FLOOD)",
	HoldNeedsLogin: "needs a new login",
	HoldDraft:      "not started",
	HoldScheduled:  "scheduled",
	HoldPaused:     "paused",
	HoldNobody:     "gets nobody",
	HoldNextStep:   "next follow-up not yet due",
}

// Label is the account's state in a few words: "sending", "daily cap
// reached", "done".
func (a AccountView) Label() string {
	if l, ok := holdLabels[a.Reason]; ok {
		return l
	}
	return a.State
}

// accountState is what the account does for campaign c at now, from what
// the database knows: the account's status and waits, and its pace (pc)
// against the campaign's pacing.
func accountState(c store.Campaign, a accounts.Account, pc store.Pace, n store.DeliveryCounts, now time.Time) AccountView {
	open := n.Pending + n.Sending
	p := pacingOf(c)
	var flood time.Time
	for _, w := range a.WaitsAt(now) {
		if slices.Contains(sendCalls, w.Kind) && w.Until.After(flood) {
			flood = w.Until
		}
	}
	av := AccountView{State: AccountWaiting}
	switch {
	case a.Status == accounts.StatusLimited && open > 0:
		av.State, av.Reason, av.Problem = AccountLimited, HoldPeerFlood, true
		av.Detail = "Telegram limited this account (PEER_FLOOD). Its " + usertext.Thousands(open) +
			" messages wait; nothing moves to another account. Check it with @SpamBot in Telegram, then reset its limit on the account's page."
	case (a.Status == accounts.StatusNeedsRelogin || a.Status == accounts.StatusDisconnected) && open > 0:
		av.State, av.Reason, av.Problem = AccountNeedsLogin, HoldNeedsLogin, true
		av.Detail = "Telegram ended this account's session. Its messages wait until it logs in again (Accounts → Log in again)."
	case open == 0 && (c.Status == store.CampaignDraft || c.Status == store.CampaignScheduled):
		av.State, av.Reason = AccountDone, HoldNobody
		av.Detail = "No recipient of this campaign goes to this account: see who writes to whom below."
	case open == 0:
		av.State = AccountDone
	case !flood.IsZero():
		av.Reason, av.Until = HoldFloodWait, flood
		av.Detail = "Telegram asked this account to wait (FLOOD_WAIT) until " + when(flood, p.zone(), now) + "; it goes on by itself."
	case c.Status == store.CampaignDraft:
		av.Reason, av.Detail = HoldDraft, "Waiting for the campaign to start."
	case c.Status == store.CampaignScheduled:
		av.Reason, av.Until, av.Detail = HoldScheduled, c.StartAt, "Waiting for the campaign's start at "+when(c.StartAt, p.zone(), now)+"."
	case c.Status != store.CampaignRunning:
		av.Reason, av.Detail = HoldPaused, "Waiting: the campaign is "+c.Status+"."
	default:
		h := p.hold(c, pc, now)
		av.Reason, av.Until = h.reason, h.until
		// The account sends when every gate is open: a cap that resets at
		// midnight outside the window waits for the window too.
		for range 4 {
			next := p.hold(c, pc, av.Until)
			if next.until.IsZero() || !next.until.After(av.Until) {
				break
			}
			av.Until = next.until
		}
		switch h.reason {
		case "":
			av.State = AccountSending
		case HoldInterval:
			av.Detail = fmt.Sprintf("Waiting %s between messages; next send at %s.", apperr.FormatWait(p.MinInterval), when(av.Until, p.zone(), now))
		case HoldDailyCap:
			av.Detail = fmt.Sprintf("Daily cap of %s reached; next send at %s.", usertext.Thousands(p.DailyCap), when(av.Until, p.zone(), now))
		case HoldWindow:
			av.Detail = fmt.Sprintf("Outside its sending window (%s–%s %s); opens %s.", p.Window.From, p.Window.To, p.Window.Zone, when(av.Until, p.zone(), now))
		case HoldRate:
			av.Detail = fmt.Sprintf("The campaign sends at most %s messages an hour; next send at %s.", usertext.Thousands(p.RatePerHour), when(av.Until, p.zone(), now))
		}
	}
	return av
}

// when is t for people in loc, with how long until it: "00:00
// Europe/Berlin (in 3 hours)"; the day is named when it is not within a
// day, the seconds when it is close.
func when(t time.Time, loc *time.Location, now time.Time) string {
	lt, left := t.In(loc), t.Sub(now)
	layout := "15:04"
	switch {
	case left >= 24*time.Hour:
		layout = "Mon 2 Jan 15:04"
	case left < 10*time.Minute:
		layout = "15:04:05"
	}
	out := lt.Format(layout) + " " + zoneName(loc)
	if left > 0 {
		if left >= time.Minute {
			left = left.Round(time.Minute)
		}
		out += " (in " + apperr.FormatWait(left) + ")"
	}
	return out
}

func zoneName(loc *time.Location) string {
	if loc == time.UTC {
		return "UTC"
	}
	return loc.String()
}

// Stalled reports a running campaign none of whose accounts with
// messages to go can send now: why, in words, and the earliest time one
// goes on by itself (zero when each needs a person).
func (v View) Stalled() (why string, resumes time.Time, stalled bool) {
	if v.Status != store.CampaignRunning {
		return "", time.Time{}, false
	}
	var (
		order  []string
		counts = map[string]int{}
		zone   = pacingOf(v.Campaign).zone()
	)
	for _, a := range v.Accounts {
		switch a.State {
		case AccountSending:
			return "", time.Time{}, false
		case AccountDone:
			continue
		}
		if counts[a.Reason] == 0 {
			order = append(order, a.Reason)
		}
		counts[a.Reason]++
		if !a.Until.IsZero() && (resumes.IsZero() || a.Until.Before(resumes)) {
			resumes = a.Until
		}
	}
	if len(order) == 0 {
		return "", time.Time{}, false
	}
	if len(order) == 1 && order[0] == HoldNextStep {
		// Nothing is wrong: every message due so far is sent.
		return "Every message due so far is sent; the next follow-up is due at " + when(resumes, zone, v.now) + ".", resumes, true
	}
	parts := make([]string, 0, len(order))
	for _, r := range order {
		l := holdLabels[r]
		if l == "" {
			l = "waiting"
		}
		if len(v.Accounts) > 1 {
			l += fmt.Sprintf(" (%d of %d accounts)", counts[r], len(v.Accounts))
		}
		parts = append(parts, l)
	}
	why = "No account can send now: " + strings.Join(parts, "; ") + "."
	if resumes.IsZero() {
		why += " Nothing goes on until you act on the accounts below."
	} else {
		why += " Sending resumes at " + when(resumes, zone, v.now) + "."
	}
	return why, resumes, true
}

// steps counts each of a campaign's steps, those not reached yet too.
func (s *Service) steps(ctx context.Context, c store.Campaign) ([]StepView, error) {
	counts, err := s.st.CampaignStepCounts(ctx, c.ID)
	if err != nil {
		return nil, fmt.Errorf("campaign %d steps: %w", c.ID, err)
	}
	out := []StepView{{Index: 1, Message: c.Message}}
	for i, st := range c.Steps {
		out = append(out, StepView{Index: i + 2, Message: st.Message, AfterSeconds: st.AfterSeconds})
	}
	for _, sc := range counts {
		if sc.Step >= 1 && sc.Step <= len(out) {
			out[sc.Step-1].StepCounts = sc
		}
	}
	for i := range out {
		out[i].Step = out[i].Index
	}
	return out, nil
}

// waitingForStep is av, an account free to send for a running campaign,
// made waiting when all it has left are follow-ups not yet due: it is
// not sending, and says when the next one is.
func (s *Service) waitingForStep(ctx context.Context, c store.Campaign, accountID int64, av AccountView, now time.Time) (AccountView, error) {
	if _, err := s.st.NextPendingDelivery(ctx, c.ID, accountID); !errors.Is(err, store.ErrNotFound) {
		return av, err
	}
	due, ok, err := s.st.NextStepDue(ctx, c.ID, accountID)
	if err != nil || !ok || !due.After(now) {
		return av, err
	}
	av.State, av.Reason, av.Until = AccountWaiting, HoldNextStep, due
	av.Detail = "Its messages due so far are sent; the next follow-up is due at " + when(due, pacingOf(c).zone(), now) + "."
	return av, nil
}
