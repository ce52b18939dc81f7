package accounts

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/telegram"
)

// Session is one logged-in device of the Telegram account
// (account.getAuthorizations), Telegramate's own included (Current).
type Session = telegram.Authorization

// Sessions lists the account's logged-in devices, for spotting ones the
// owner does not recognise.
func (s *Service) Sessions(ctx context.Context, by Actor, accountID int64) ([]Session, error) {
	var list []Session
	err := s.withSession(ctx, by, accountID, func(o openAccount) (telegram.Session, error) {
		var err error
		list, err = s.tg.Authorizations(ctx, o.creds, o.session)
		return o.session, err
	})
	return list, err
}

// TerminateSession logs another device of the account out
// (account.resetAuthorization). Telegramate's own session cannot be ended
// this way: Disconnect does that.
func (s *Service) TerminateSession(ctx context.Context, by Actor, accountID, hash int64) error {
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
	err = s.withSession(ctx, by, accountID, func(o openAccount) (telegram.Session, error) {
		return o.session, s.tg.ResetAuthorization(ctx, o.creds, o.session, hash)
	})
	if err != nil {
		return err
	}
	s.record(ctx, s.st, by, accountID, "session_terminated", "Ended "+describe(*target))
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
