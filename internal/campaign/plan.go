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
// one; past it the pace is periodic (a day's cap, a daily window), so the
// rest is extrapolated, and a 100,000-recipient draft's page stays quick.
const exactSends = 2000

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
			sp.Nobody = "It saw none of these recipients in an extraction (an account can write only to people it has seen)"
			if lookups == 0 {
				sp.Nobody += ", and no recipient is known by username for it to look up. Extract the member lists with this account too, or leave it out."
			} else {
				sp.Nobody += "; the recipients known by username went to accounts with fewer recipients."
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
// send.
func (p Pacing) finish(pc store.Pace, n int, from time.Time) time.Time {
	var c store.Campaign // the campaign's own rate is the caller's
	t := from
	walk := min(n, exactSends)
	for i := range walk {
		for range 8 {
			h := p.hold(c, pc, t)
			if h.until.IsZero() {
				break
			}
			t = h.until
		}
		pc = p.take(pc, t)
		if i == 0 && walk < n {
			from = t // extrapolate from the first send, not the wait before it
		}
	}
	if walk < n {
		per := t.Sub(from) / time.Duration(walk-1)
		t = t.Add(per * time.Duration(n-walk))
	}
	return t
}
