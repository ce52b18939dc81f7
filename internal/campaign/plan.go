package campaign

import (
	"context"
	"fmt"
	"time"

	"github.com/telegramate/telegramate/internal/store"
)

// Plan is what a campaign not started yet will do: who each sending
// account writes to, why, and when it would be done.
type Plan struct {
	Senders []SenderPlan
	// Unassigned are the recipients no sending account can reach
	// (skipped: none saw them, or over the look-up budget).
	Unassigned int
	// FinishAt is when the last message would go if the campaign started
	// at its start time (now, unscheduled) and its accounts sent for
	// nothing else; zero when nobody gets a message.
	FinishAt time.Time
}

// SenderPlan is one sending account's part of a draft.
type SenderPlan struct {
	ID         int64
	Name       string
	Recipients int
	// Seen are recipients the account saw in an extraction: it can write
	// to them as they are.
	Seen int
	// Lookups are recipients known by username only: the account finds
	// them when it sends (at most Options.ResolveBudget of them).
	Lookups int
	// FinishAt is when its last message would go, at the campaign's
	// pace from its own pace today.
	FinishAt time.Time
	// Nobody says why an account gets no recipient ("" when it gets some).
	Nobody string
}

// exactSends bounds the sends of one account the estimate walks one by
// one (at least two days' worth); past it the pace repeats day by day
// (the cap, the window), so the rest is counted in whole days, and a
// 100,000-recipient draft's page stays quick.
const (
	exactSends    = 2000
	maxExactSends = 25000
)

// plan is the plan of campaign c, which has not started, for its
// accounts as v shows them.
func (s *Service) plan(ctx context.Context, v View) (*Plan, error) {
	shares, err := s.st.CampaignShares(ctx, v.ID)
	if err != nil {
		return nil, fmt.Errorf("campaign %d shares: %w", v.ID, err)
	}
	byAccount := map[int64]store.SenderShare{}
	lookups := 0
	for _, sh := range shares {
		byAccount[sh.AccountID] = sh
		lookups += sh.Lookups
	}
	p := &Plan{}
	for _, r := range v.Reasons {
		if r.ReasonCode == reasonUnreachable.code || r.ReasonCode == reasonResolveBudget.code {
			p.Unassigned += r.Count
		}
	}
	pacing := pacingOf(v.Campaign)
	from := s.now()
	if v.StartAt.After(from) {
		from = v.StartAt
	}
	total := 0
	for _, a := range v.Accounts {
		sh := byAccount[a.ID]
		sp := SenderPlan{ID: a.ID, Name: a.Name, Recipients: sh.Pending, Seen: sh.Pending - sh.Lookups, Lookups: sh.Lookups}
		total += sh.Pending
		if sh.Pending == 0 {
			// Create gives each recipient to the least loaded account that
			// saw them in an extraction (an account can write only to people
			// it has seen), and each username to the least loaded account.
			sp.Nobody = "No recipient goes to it: each goes to the least loaded account that saw them in an extraction, and this one saw none of them, or only people an account with fewer recipients saw too"
			if lookups == 0 {
				sp.Nobody += "; no recipient is known by username only, for it to look up. Extract the member lists with this account too, or leave it out."
			} else {
				sp.Nobody += "; the people known by username only went to accounts with fewer recipients."
			}
		} else {
			pc, err := s.st.PaceOf(ctx, a.ID)
			if err != nil {
				return nil, fmt.Errorf("pace of account %d: %w", a.ID, err)
			}
			sp.FinishAt = pacing.finish(pc, sh.Pending, from)
			if sp.FinishAt.After(p.FinishAt) {
				p.FinishAt = sp.FinishAt
			}
		}
		p.Senders = append(p.Senders, sp)
	}
	// The campaign's own rate spreads all its sends, whichever account.
	if pacing.RatePerHour > 0 && total > 0 {
		if end := from.Add(time.Duration(total-1) * time.Hour / time.Duration(pacing.RatePerHour)); end.After(p.FinishAt) {
			p.FinishAt = end
		}
	}
	return p, nil
}

// finish is when an account whose pace is pc, starting at from, would send
// the n-th message at this pacing, sending for nothing else: the gates the
// sender obeys (hold) and the pace each send moves (take), walked send by
// send, then whole days at the pace of the last day walked.
func (p Pacing) finish(pc store.Pace, n int, from time.Time) time.Time {
	var c store.Campaign // the campaign's own rate is the caller's
	walk := min(n, max(exactSends, min(2*p.DailyCap+2, maxExactSends)))
	times := make([]time.Time, 0, walk)
	var starts []int // the sends that begin a day of the pace, after the first
	t := from
	for i := range walk {
		for range 8 {
			h := p.hold(c, pc, t)
			if h.until.IsZero() {
				break
			}
			t = h.until
		}
		day := pc.Day
		pc = p.take(pc, t)
		if pc.Day != day && i > 0 {
			starts = append(starts, i)
		}
		times = append(times, t)
	}
	if walk == n {
		return t
	}
	if len(starts) >= 2 {
		// The last whole day walked, from send a to send b, repeats: the
		// n-th send is the one of that day at the same place, whole days
		// later.
		a, b := starts[len(starts)-2], starts[len(starts)-1]
		perDay, dayLen := b-a, times[b].Sub(times[a])
		rest := n - 1 - b
		return times[a+rest%perDay].Add(time.Duration(rest/perDay+1) * dayLen)
	}
	// Fewer than two days walked: the sends are evenly spaced (an interval
	// and no cap reached), or all at once.
	per := t.Sub(times[0]) / time.Duration(walk-1)
	return t.Add(per * time.Duration(n-walk))
}
