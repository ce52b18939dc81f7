package campaign

import (
	"context"
	"fmt"

	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/store"
)

// moves are the audit actions of move's changes.
var moves = map[string]string{
	"started":   audit.CampaignStarted,
	"paused":    audit.CampaignPaused,
	"resumed":   audit.CampaignResumed,
	"cancelled": audit.CampaignCancelled,
}

// recorder is what record writes with: the store, or a transaction of it.
type recorder interface {
	audit.Writer
	AddActivity(ctx context.Context, a store.Activity) (store.Activity, error)
}

// record writes a campaign's action to the workspace's audit log and to
// the activity log of each of its sending accounts (an account's page
// lists what was done with it), with q: the change's transaction when it
// has one, whose error then undoes the change.
func (s *Service) record(ctx context.Context, q recorder, userID int64, c store.Campaign, action, detail string) error {
	by := audit.ActorFrom(ctx)
	now := s.now()
	if err := audit.Record(ctx, q, now, userID, by, audit.Event{
		Action: action, TargetKind: audit.TargetCampaign, TargetID: c.ID, TargetLabel: c.Name, Detail: detail,
	}); err != nil {
		return err
	}
	line := fmt.Sprintf("%s: “%s”", audit.Label(action), c.Name)
	if detail != "" {
		line += " (" + detail + ")"
	}
	for _, a := range c.SenderIDs {
		if _, err := q.AddActivity(ctx, store.Activity{AccountID: a, UserID: c.UserID, ByUserID: by.UserID, Event: action, Detail: line, IP: by.IP, CreatedAt: now.UTC()}); err != nil {
			return fmt.Errorf("account %d activity: %w", a, err)
		}
	}
	return nil
}

// recordAfter is record for a change already made outside a transaction:
// a failure is logged with the whole event, since the change stands.
func (s *Service) recordAfter(ctx context.Context, userID int64, c store.Campaign, action, detail string) {
	if err := s.record(ctx, s.st, userID, c, action, detail); err != nil {
		by := audit.ActorFrom(ctx)
		s.log.Error("audit event not recorded", "workspace", userID, "actor", by.UserID, "ip", by.IP, "action", action,
			"campaign", c.ID, "name", c.Name, "detail", detail, "err", err)
	}
}
