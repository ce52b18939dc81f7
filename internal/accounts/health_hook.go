package accounts

import (
	"context"

	"github.com/telegramate/telegramate/internal/store"
)

// HealthHook is told when Telegram limits an account (PEER_FLOOD, status
// "limited") or ends its session ("needs_relogin"), once per change, after
// the change is stored. Webhooks set one at wiring.
type HealthHook func(ctx context.Context, a Account)

// OnHealthChange sets the hook; call it before the service is used.
func (s *Service) OnHealthChange(h HealthHook) { s.health.Store(&h) }

// tellHealth runs the hook for a change a person must act on.
func (s *Service) tellHealth(ctx context.Context, row store.Account, verdict, detail string) {
	h := s.health.Load()
	if h == nil || (verdict != store.AccountLimited && verdict != store.AccountNeedsRelogin) {
		return
	}
	row.Status, row.StatusDetail = verdict, detail
	(*h)(context.WithoutCancel(ctx), fromStore(row))
}
