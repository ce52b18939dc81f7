package campaign

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/store"
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
}

// AccountView is one sending account's part of a campaign.
type AccountView struct {
	ID      int64
	Name    string
	State   string
	Detail  string    // why it waits or stopped, for people
	Until   time.Time // when a waiting account goes on, if known
	Counts  store.DeliveryCounts
	Problem bool // a person must act (limited, needs login)
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
	v := View{Campaign: c}
	var err error
	if v.Counts, err = s.st.CampaignCounts(ctx, c.ID); err != nil {
		return v, err
	}
	if v.Reasons, err = s.st.CampaignReasons(ctx, c.ID); err != nil {
		return v, err
	}
	perAccount, err := s.st.CampaignAccountCounts(ctx, c.ID)
	if err != nil {
		return v, err
	}
	counts := map[int64]store.DeliveryCounts{}
	for _, pc := range perAccount {
		counts[pc.AccountID] = pc
	}
	now := s.now()
	for _, id := range c.SenderIDs {
		av := AccountView{ID: id, Counts: counts[id]}
		a, err := s.acc.Get(ctx, c.UserID, id)
		if err != nil {
			av.Name, av.State, av.Detail, av.Problem = fmt.Sprintf("Account %d", id), AccountNeedsLogin, "The account is no longer connected.", true
		} else {
			av.Name = a.Name
			av.State, av.Detail, av.Until, av.Problem = accountState(c, a, av.Counts, now)
		}
		v.Accounts = append(v.Accounts, av)
	}
	return v, nil
}

func accountState(c store.Campaign, a accounts.Account, n store.DeliveryCounts, now time.Time) (string, string, time.Time, bool) {
	open := n.Pending + n.Sending
	switch {
	case a.Status == accounts.StatusLimited && open > 0:
		return AccountLimited, "Telegram limited this account (PEER_FLOOD). Its " + thousands(open) +
			" messages wait; nothing moves to another account. Check it with @SpamBot in Telegram, then reset its limit on the account's page.", time.Time{}, true
	case (a.Status == accounts.StatusNeedsRelogin || a.Status == accounts.StatusDisconnected) && open > 0:
		return AccountNeedsLogin, "Telegram ended this account's session. Its messages wait until it logs in again (Accounts → Log in again).", time.Time{}, true
	case open == 0:
		return AccountDone, "", time.Time{}, false
	case a.Status == accounts.StatusFloodWait && a.FloodUntil.After(now):
		return AccountWaiting, "Telegram asked this account to wait (FLOOD_WAIT); it goes on by itself.", a.FloodUntil, false
	case c.Status == store.CampaignDraft:
		return AccountWaiting, "Waiting for the campaign to start.", time.Time{}, false
	case c.Status == store.CampaignScheduled:
		return AccountWaiting, "Waiting for the campaign's start time.", time.Time{}, false
	case c.Status != store.CampaignRunning:
		return AccountWaiting, "Waiting: the campaign is " + c.Status + ".", time.Time{}, false
	}
	return AccountSending, "", time.Time{}, false
}
