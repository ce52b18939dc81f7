package accounts

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/connections"
	"github.com/telegramate/telegramate/internal/telegram"
)

// Session is one logged-in device of the Telegram account
// (account.getAuthorizations), Telegramate's own included (Current).
type Session = telegram.Authorization

// accountCalls are the kinds the sessions page calls: the account's own,
// which go on while sending waits or is limited.
var accountCalls = []telegram.CallKind{telegram.KindAccount}

// Sessions lists the account's logged-in devices, for spotting ones the
// owner does not recognise, as Telegram lists them now.
func (s *Service) Sessions(ctx context.Context, by Actor, accountID int64) ([]Session, error) {
	if err := actor.Require(ctx, actor.Admin); err != nil {
		return nil, err
	}
	row, err := s.row(ctx, by.UserID, accountID)
	if err != nil {
		return nil, err
	}
	gen := row.LoginGeneration
	// On the account's live connection, ahead of its campaign's sends.
	var list []Session
	err = s.Use(WithIP(connections.WithPriority(telegram.WithKinds(ctx, accountCalls...), connections.Person), by.IP), by.UserID, accountID, func(ctx context.Context, api *tg.Client) error {
		var err error
		list, err = telegram.AuthorizationsOf(ctx, api)
		return err
	})
	if err == nil {
		s.sessions.put(accountID, gen, list, s.now())
	}
	return list, err
}

// RecentSessions is Sessions for a page a person reloads: it answers from
// Telegram's list of less than maxAge ago when there is one, so viewing the
// page does not ask Telegram every time, and says when that list was
// fetched. An account that could not be used now is refused as Sessions
// would refuse it.
func (s *Service) RecentSessions(ctx context.Context, by Actor, accountID int64, maxAge time.Duration) ([]Session, time.Time, error) {
	if err := actor.Require(ctx, actor.Admin); err != nil {
		return nil, time.Time{}, err
	}
	row, err := s.row(ctx, by.UserID, accountID)
	if err != nil {
		return nil, time.Time{}, err
	}
	now := s.now()
	if p := fromStore(row).ProblemFor(accountCalls, now); p != nil {
		return nil, time.Time{}, p
	}
	if list, at, ok := s.sessions.get(accountID, row.LoginGeneration, now, maxAge); ok {
		return list, at, nil
	}
	list, err := s.Sessions(ctx, by, accountID)
	return list, now, err
}

// sessionCache keeps each account's last session list in memory: on
// several nodes each has its own, which is fine for a list that only saves
// Telegram a call. A list from before a rotation or re-login (another login
// generation) is not used.
type sessionCache struct {
	mu   sync.Mutex
	byID map[int64]cachedSessions
}

type cachedSessions struct {
	gen  int64
	list []Session
	at   time.Time
}

func (c *sessionCache) put(accountID, gen int64, list []Session, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil {
		c.byID = map[int64]cachedSessions{}
	}
	c.byID[accountID] = cachedSessions{gen: gen, list: slices.Clone(list), at: at}
}

func (c *sessionCache) get(accountID, gen int64, now time.Time, maxAge time.Duration) ([]Session, time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byID[accountID]
	if !ok || e.gen != gen || now.Sub(e.at) >= maxAge || now.Before(e.at) {
		return nil, time.Time{}, false
	}
	return slices.Clone(e.list), e.at, true
}

// forget drops an account's list after a change that makes it stale.
func (c *sessionCache) forget(accountID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.byID, accountID)
}

// TerminateSession logs another device of the account out
// (account.resetAuthorization). Telegramate's own session cannot be ended
// this way: Disconnect does that.
func (s *Service) TerminateSession(ctx context.Context, by Actor, accountID, hash int64) error {
	if err := actor.Require(ctx, actor.Admin); err != nil {
		return err
	}
	list, err := s.Sessions(ctx, by, accountID)
	if err != nil {
		return err
	}
	var target *Session
	for i := range list {
		if list[i].Hash == hash && (hash != 0 || list[i].Current) {
			target = &list[i]
		}
	}
	switch {
	case target == nil:
		return apperr.NotFound("Session")
	case target.Current:
		return ErrCurrentSession
	}
	err = s.Use(WithIP(telegram.WithKinds(ctx, accountCalls...), by.IP), by.UserID, accountID, func(ctx context.Context, api *tg.Client) error {
		_, err := api.AccountResetAuthorization(ctx, hash)
		return err
	})
	s.sessions.forget(accountID)
	if err != nil {
		return err
	}
	s.record(ctx, s.st, by, accountID, "session_terminated", "Ended "+describe(*target))
	// The session is ended already: a failure to record it is logged
	// with the whole event rather than returned.
	label := ""
	if row, err := s.row(ctx, by.UserID, accountID); err == nil {
		label = Label(row)
	}
	audit.RecordAfter(ctx, s.st, s.log, s.now(), by.UserID, person(ctx, by), audit.Event{
		Action: audit.SessionTerminated, TargetKind: audit.TargetAccount, TargetID: accountID, TargetLabel: label,
		Detail: "Ended " + describe(*target),
	})
	s.log.Info("telegram session terminated", slog.Int64("user", by.UserID), slog.Int64("account", accountID))
	return nil
}

// describe names a device the way Telegram's apps do.
func describe(a Session) string {
	parts := []string{}
	if app := strings.TrimSpace(a.AppName + " " + a.AppVersion); app != "" {
		parts = append(parts, app)
	}
	if a.Device != "" {
		parts = append(parts, "on "+a.Device)
	}
	if a.Platform != "" && a.Platform != a.Device {
		parts = append(parts, "("+a.Platform+")")
	}
	where := a.IP
	if a.Country != "" {
		where = strings.TrimSpace(where + ", " + a.Country)
	}
	if where != "" {
		parts = append(parts, fmt.Sprintf("from %s", strings.Trim(where, ", ")))
	}
	if len(parts) == 0 {
		return "a session"
	}
	return strings.Join(parts, " ")
}
