package accounts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/telegramate/telegramate/internal/store"
)

// Activity is one line of an account's activity log.
type Activity struct {
	ID     int64
	Event  string // snake_case: "connected", "code_failed", "extraction_started", …
	Detail string
	// By is the platform user who caused it (their email).
	By        string
	IP        string
	CreatedAt time.Time
}

// ActivityLimit is how many lines Activity returns.
const ActivityLimit = 200

// LogActivity adds a line to the account's activity log (other packages:
// "extraction_started", "campaign_started", …). ip is the client's address
// when a person caused it, "" for background work.
func (s *Service) LogActivity(ctx context.Context, userID, accountID int64, event, detail, ip string) error {
	if _, err := s.st.AccountByID(ctx, userID, accountID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound()
		}
		return fmt.Errorf("account %d: %w", accountID, err)
	}
	_, err := s.st.AddActivity(ctx, store.Activity{
		AccountID: accountID, UserID: userID, Event: event, Detail: detail, IP: ip, CreatedAt: s.now().UTC(),
	})
	if err != nil {
		return fmt.Errorf("account %d activity: %w", accountID, err)
	}
	return nil
}

// Activity is the account's log, newest first.
func (s *Service) Activity(ctx context.Context, userID, accountID int64) ([]Activity, error) {
	if _, err := s.st.AccountByID(ctx, userID, accountID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, errNotFound()
		}
		return nil, fmt.Errorf("account %d: %w", accountID, err)
	}
	rows, err := s.st.ListActivity(ctx, userID, accountID, ActivityLimit)
	if err != nil {
		return nil, fmt.Errorf("account %d activity: %w", accountID, err)
	}
	emails := map[int64]string{}
	out := make([]Activity, 0, len(rows))
	for _, r := range rows {
		email, ok := emails[r.UserID]
		if !ok {
			if u, err := s.st.UserByID(ctx, r.UserID); err == nil {
				email = u.Email
			}
			emails[r.UserID] = email
		}
		out = append(out, Activity{ID: r.ID, Event: r.Event, Detail: r.Detail, By: email, IP: r.IP, CreatedAt: r.CreatedAt})
	}
	return out, nil
}
