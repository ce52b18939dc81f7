package accounts_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/telegram"
)

// TestHealthHookToldOfLimitAndEndedSession: the hook (webhooks'
// account.limited and account.needs_login) hears of a PEER_FLOOD and of a
// revoked session once each, and not of a FLOOD_WAIT, which passes alone.
func TestHealthHookToldOfLimitAndEndedSession(t *testing.T) {
	e := sqliteEnv(t)
	ctx := ctxFor(t)
	t.Cleanup(sbx.ClearFaults)
	var (
		mu   sync.Mutex
		told []accounts.Account
	)
	e.svc.OnHealthChange(func(_ context.Context, a accounts.Account) {
		mu.Lock()
		told = append(told, a)
		mu.Unlock()
	})
	heard := func() []accounts.Account {
		mu.Lock()
		defer mu.Unlock()
		return append([]accounts.Account(nil), told...)
	}
	acct := e.connect(e.ann, appE, phoneCleo, "")
	use := func() error { return e.svc.Use(ctx, e.ann.UserID, acct.ID, selfCheck(3003)) }

	if err := sbx.SetFault(sandbox.Fault{Method: "users.getUsers", Error: "FLOOD_WAIT_5"}); err != nil {
		t.Fatal(err)
	}
	var fw *telegram.FloodWaitError
	if err := use(); !errors.As(err, &fw) {
		t.Fatalf("use under FLOOD_WAIT: %v", err)
	}
	if got := heard(); len(got) != 0 {
		t.Errorf("told of a FLOOD_WAIT: %+v", got)
	}
	sbx.ClearFaults()
	clock.Advance(6 * time.Second)

	if err := sbx.SetFault(sandbox.Fault{Method: "users.getUsers", Error: "PEER_FLOOD"}); err != nil {
		t.Fatal(err)
	}
	if err := use(); !errors.Is(err, telegram.ErrPeerFlood) {
		t.Fatalf("use under PEER_FLOOD: %v", err)
	}
	sbx.ClearFaults()
	_ = use() // refused: limited; nothing new to tell
	got := heard()
	if len(got) != 1 || got[0].ID != acct.ID || got[0].UserID != e.ann.UserID || got[0].Status != accounts.StatusLimited || got[0].StatusDetail != "PEER_FLOOD" {
		t.Fatalf("after PEER_FLOOD the hook heard %+v", got)
	}
	if err := e.svc.ResetLimited(ctx, e.ann.UserID, acct.ID); err != nil {
		t.Fatal(err)
	}

	if sbx.RevokeSessions(phoneCleo) == 0 {
		t.Fatal("nothing revoked")
	}
	if err := use(); !errors.Is(err, telegram.ErrSessionRevoked) {
		t.Fatalf("use of a revoked session: %v", err)
	}
	got = heard()
	if len(got) != 2 || got[1].Status != accounts.StatusNeedsRelogin {
		t.Fatalf("after a revoked session the hook heard %+v", got)
	}
}
