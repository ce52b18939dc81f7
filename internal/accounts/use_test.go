package accounts_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/lease"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// selfCheck is a Use body that checks who the session is.
func selfCheck(want int64) func(ctx context.Context, api *tg.Client) error {
	return func(ctx context.Context, api *tg.Client) error {
		users, err := api.UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUserSelf{}})
		if err != nil {
			return err
		}
		if u, ok := users[0].(*tg.User); !ok || u.ID != want {
			return fmt.Errorf("logged in as %v, want %d", users[0], want)
		}
		return nil
	}
}

// sendToSelf is a Use body that writes to the account's Saved Messages.
func sendToSelf(ctx context.Context, api *tg.Client) error {
	_, err := api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{Peer: &tg.InputPeerSelf{}, Message: "note to self", RandomID: time.Now().UnixNano()})
	return err
}

// TestAccountLifecycle follows one account through what can happen to it:
// use, FLOOD_WAIT, PEER_FLOOD, a revoked session, re-login, rotation, its
// other sessions, and disconnection.
func TestAccountLifecycle(t *testing.T) {
	e := sqliteEnv(t)
	ctx := ctxFor(t)
	t.Cleanup(sbx.ClearFaults)
	acct := e.connect(e.ann, appE, phoneCleo, "")
	use := func() error { return e.svc.Use(ctx, e.ann.UserID, acct.ID, selfCheck(3003)) }
	status := func() accounts.Account {
		t.Helper()
		a, err := e.svc.Get(ctx, e.ann.UserID, acct.ID)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if err := use(); err != nil {
		t.Fatalf("use: %v", err)
	}
	if err := e.svc.Use(ctx, e.bea.UserID, acct.ID, selfCheck(3003)); wantCode(t, err, "not_found") == nil {
		t.Fatal("bea used ann's account")
	}

	t.Run("flood wait", func(t *testing.T) {
		if err := sbx.SetFault(sandbox.Fault{Method: "users.getUsers", Error: "FLOOD_WAIT_300"}); err != nil {
			t.Fatal(err)
		}
		err := use()
		var fw *telegram.FloodWaitError
		if !errors.As(err, &fw) || fw.Wait != 300*time.Second || wantCode(t, err, "flood_wait").RetryAfter != 300*time.Second {
			t.Fatalf("use under FLOOD_WAIT: %v", err)
		}
		// users.getUsers is one of the account's own calls: they wait,
		// sending does not.
		a := status()
		waits := a.WaitsAt(clock.Now())
		if a.Status != accounts.StatusActive || len(waits) != 1 || waits[0].Kind != telegram.KindAccount ||
			waits[0].Until.Sub(clock.Now()) < 290*time.Second || waits[0].Detail != "FLOOD_WAIT_300 on users.getUsers" {
			t.Fatalf("status %s, waits %+v", a.Status, waits)
		}
		n := calls()
		err = use()
		if got := wantCode(t, err, "flood_wait"); got.RetryAfter <= 0 || got.RetryAfter > 300*time.Second {
			t.Errorf("refusal retry after %v", got.RetryAfter)
		}
		if calls() != n {
			t.Error("a use that may make any call reached Telegram while one kind waits")
		}
		// Work declared as sending goes on; a call of the waiting kind it
		// makes all the same is refused before it reaches Telegram.
		sendCtx := telegram.WithKinds(ctx, telegram.KindSend)
		if err := e.svc.Use(sendCtx, e.ann.UserID, acct.ID, sendToSelf); err != nil {
			t.Fatalf("a send while the account's own calls wait: %v", err)
		}
		// (Counted by method: the connection the use opens makes calls
		// of its own.)
		n = sbx.Counts()["users.getUsers"]
		err = e.svc.Use(sendCtx, e.ann.UserID, acct.ID, selfCheck(3003))
		if !errors.As(err, &fw) || !errors.Is(err, telegram.ErrStillWaiting) || fw.Wait <= 0 || fw.Wait > 300*time.Second {
			t.Errorf("a waiting kind's call in sending work: %v", err)
		}
		if got := sbx.Counts()["users.getUsers"]; got != n {
			t.Errorf("a call of a waiting kind reached Telegram (%d calls, %d before)", got, n)
		}
		clock.Advance(301 * time.Second)
		if err := use(); err != nil {
			t.Fatalf("after the wait: %v", err)
		}
		if a := status(); a.Status != accounts.StatusActive || len(a.WaitsAt(clock.Now())) != 0 {
			t.Errorf("after the wait: %s %+v", a.Status, a.WaitsAt(clock.Now()))
		}
	})

	t.Run("send flood wait", func(t *testing.T) {
		sbx.ClearFaults()
		if err := sbx.SetFault(sandbox.Fault{Method: "messages.sendMessage", Error: "FLOOD_WAIT_300"}); err != nil {
			t.Fatal(err)
		}
		sendCtx := telegram.WithKinds(ctx, telegram.KindSend)
		if err := e.svc.Use(sendCtx, e.ann.UserID, acct.ID, sendToSelf); wantCode(t, err, "flood_wait").RetryAfter != 300*time.Second {
			t.Fatalf("send under FLOOD_WAIT: %v", err)
		}
		if a := status(); a.Status != accounts.StatusFloodWait || a.FloodUntil.Sub(clock.Now()) < 290*time.Second || a.StatusDetail != "FLOOD_WAIT_300" {
			t.Fatalf("status %s until %v (%s)", a.Status, a.FloodUntil, a.StatusDetail)
		}
		n := calls()
		if err := e.svc.Use(sendCtx, e.ann.UserID, acct.ID, sendToSelf); wantCode(t, err, "flood_wait") == nil || calls() != n {
			t.Error("a waiting account's send reached Telegram")
		}
		// The account's own calls go on.
		if err := e.svc.Use(telegram.WithKinds(ctx, telegram.KindAccount), e.ann.UserID, acct.ID, selfCheck(3003)); err != nil {
			t.Fatalf("own call while sending waits: %v", err)
		}
		if a := status(); a.Status != accounts.StatusFloodWait {
			t.Errorf("an own call ended the sending wait early: %s", a.Status)
		}
		clock.Advance(301 * time.Second)
		if err := e.svc.Use(sendCtx, e.ann.UserID, acct.ID, sendToSelf); err != nil {
			t.Fatalf("after the wait: %v", err)
		}
		if a := status(); a.Status != accounts.StatusActive || !a.FloodUntil.IsZero() {
			t.Errorf("after the wait: %s %v", a.Status, a.FloodUntil)
		}
	})

	t.Run("peer flood", func(t *testing.T) {
		sbx.ClearFaults()
		if err := sbx.SetFault(sandbox.Fault{Method: "users.getUsers", Error: "PEER_FLOOD"}); err != nil {
			t.Fatal(err)
		}
		if err := use(); !errors.Is(err, telegram.ErrPeerFlood) || wantCode(t, err, "account_limited") == nil {
			t.Fatalf("use under PEER_FLOOD: %v", err)
		}
		sbx.ClearFaults()
		if err := use(); wantCode(t, err, "account_limited") == nil {
			t.Fatal("limited account used")
		}
		n := calls()
		if err := e.svc.Use(telegram.WithKinds(ctx, telegram.KindSend), e.ann.UserID, acct.ID, sendToSelf); wantCode(t, err, "account_limited") == nil || calls() != n {
			t.Fatal("limited account sent")
		}
		// PEER_FLOOD limits writing to people; the account's own calls go on.
		if err := e.svc.Use(telegram.WithKinds(ctx, telegram.KindAccount), e.ann.UserID, acct.ID, selfCheck(3003)); err != nil {
			t.Fatalf("own call of a limited account: %v", err)
		}
		if _, err := e.svc.Sessions(ctx, e.ann, acct.ID); err != nil {
			t.Fatalf("sessions of a limited account: %v", err)
		}
		if a := status(); a.Status != accounts.StatusLimited || a.StatusLabel(clock.Now()) != "Limited by Telegram" {
			t.Errorf("status %s", a.Status)
		}
		if err := e.svc.ResetLimited(ctx, e.bea.UserID, acct.ID); wantCode(t, err, "not_found") == nil {
			t.Error("bea reset ann's account")
		}
		if err := e.svc.ResetLimited(accounts.WithIP(ctx, "192.0.2.99"), e.ann.UserID, acct.ID); err != nil {
			t.Fatal(err)
		}
		if err := use(); err != nil {
			t.Fatalf("after reset: %v", err)
		}
	})

	t.Run("revoked then re-login", func(t *testing.T) {
		if sbx.RevokeSessions(phoneCleo) == 0 {
			t.Fatal("nothing revoked")
		}
		if err := use(); !errors.Is(err, telegram.ErrSessionRevoked) || wantCode(t, err, "account_needs_relogin") == nil {
			t.Fatalf("use of a revoked session: %v", err)
		}
		if a := status(); a.Status != accounts.StatusNeedsRelogin {
			t.Fatalf("status %s", a.Status)
		}
		if _, err := e.svc.Sessions(ctx, e.ann, acct.ID); wantCode(t, err, "account_needs_relogin") == nil {
			t.Error("sessions of a revoked account")
		}
		a, err := e.svc.Relogin(ctx, e.ann, acct.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != accounts.StatusNeedsRelogin || a.Step() != accounts.LoginCodeSent {
			t.Fatalf("relogin started: %s / %s", a.Status, a.Step())
		}
		if a, err = e.svc.SubmitCode(ctx, e.ann, acct.ID, codeFor(phoneCleo)); err != nil {
			t.Fatal(err)
		}
		if a.Status != accounts.StatusActive || a.Login != nil {
			t.Fatalf("after relogin %+v", a)
		}
		if err := use(); err != nil {
			t.Fatalf("use after relogin: %v", err)
		}
	})

	t.Run("rotate", func(t *testing.T) {
		oldSession := e.session(acct.ID)
		if _, err := e.svc.Rotate(ctx, e.ann, acct.ID, accounts.RotateInput{APIID: "2000001", APIHash: "short"}); wantCode(t, err, "validation_failed").Field != "api_hash" {
			t.Errorf("bad rotate input: %v", err)
		}
		// appA is live on another user's account: refused when the
		// rotation's login completes, not before (that would tell anyone
		// whose API ID is connected here).
		e.connect(e.bea, appA, phoneAnn, "")
		if _, err := e.svc.Rotate(ctx, e.ann, acct.ID, accounts.RotateInput{APIID: "2000001", APIHash: appA.hash}); err != nil {
			t.Fatalf("rotation onto another user's API ID did not start: %v", err)
		}
		if _, err := e.svc.SubmitCode(ctx, e.ann, acct.ID, codeFor(phoneCleo)); wantCode(t, err, "phone_in_use") == nil {
			t.Error("rotated onto an API ID in use")
		}
		a, err := e.svc.Rotate(ctx, e.ann, acct.ID, accounts.RotateInput{APIID: "2000006", APIHash: appF.hash})
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != accounts.StatusActive || a.Step() != accounts.LoginCodeSent || a.Login.APIID != appF.id || a.APIID != appE.id {
			t.Fatalf("rotation started %+v %+v", a, a.Login)
		}
		// The account keeps working with the old credentials meanwhile.
		if err := use(); err != nil {
			t.Fatalf("use during rotation: %v", err)
		}
		if a, err = e.svc.SubmitCode(ctx, e.ann, acct.ID, codeFor(phoneCleo)); err != nil {
			t.Fatal(err)
		}
		if a.APIID != appF.id || a.Login != nil || a.Status != accounts.StatusActive {
			t.Fatalf("rotated %+v", a)
		}
		if err := use(); err != nil {
			t.Fatalf("use after rotation: %v", err)
		}
		// The old session was logged out at Telegram.
		_, err = e.gw.Self(ctx, telegram.Credentials{APIID: int(appE.id), APIHash: appE.hash}, oldSession)
		if !errors.Is(err, telegram.ErrSessionRevoked) {
			t.Errorf("old session after rotation: %v", err)
		}
	})

	t.Run("sessions", func(t *testing.T) {
		// The owner's phone: another device logged in to the same account.
		creds := telegram.Credentials{APIID: int(appG.id), APIHash: appG.hash}
		p, err := e.gw.SendCode(ctx, creds, phoneCleo)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.gw.SignIn(ctx, creds, phoneCleo, p, secrets.Secret(codeFor(phoneCleo))); err != nil {
			t.Fatal(err)
		}
		list, err := e.svc.Sessions(ctx, e.ann, acct.ID)
		if err != nil {
			t.Fatal(err)
		}
		var current, other []accounts.Session
		for _, s := range list {
			if s.Current {
				current = append(current, s)
			} else {
				other = append(other, s)
			}
		}
		if len(current) != 1 || len(other) != 1 || other[0].APIID != int(appG.id) || current[0].APIID != int(appF.id) {
			t.Fatalf("sessions %+v", list)
		}
		if err := e.svc.TerminateSession(ctx, e.ann, acct.ID, 0); wantCode(t, err, "current_session") == nil {
			t.Error("terminated Telegramate's own session")
		}
		if err := e.svc.TerminateSession(ctx, e.ann, acct.ID, 12345); wantCode(t, err, "not_found") == nil {
			t.Error("terminated an unknown session")
		}
		if err := e.svc.TerminateSession(ctx, e.bea, acct.ID, other[0].Hash); wantCode(t, err, "not_found") == nil {
			t.Error("bea terminated ann's session")
		}
		if err := e.svc.TerminateSession(ctx, e.ann, acct.ID, other[0].Hash); err != nil {
			t.Fatal(err)
		}
		if list, _ := e.svc.Sessions(ctx, e.ann, acct.ID); len(list) != 1 || !list[0].Current {
			t.Errorf("after terminate %+v", list)
		}
	})

	t.Run("disconnect", func(t *testing.T) {
		session := e.session(acct.ID)
		if _, err := e.svc.Disconnect(ctx, e.bea, acct.ID); wantCode(t, err, "not_found") == nil {
			t.Fatal("bea disconnected ann's account")
		}
		res, err := e.svc.Disconnect(ctx, e.ann, acct.ID)
		if err != nil || !res.LoggedOut {
			t.Fatalf("disconnect %+v %v", res, err)
		}
		if _, err := e.gw.Self(ctx, telegram.Credentials{APIID: int(appF.id), APIHash: appF.hash}, session); !errors.Is(err, telegram.ErrSessionRevoked) {
			t.Errorf("session after disconnect: %v", err)
		}
		row, _ := e.st.AccountByID(ctx, e.ann.UserID, acct.ID)
		if row.APIHashSealed != nil || row.SessionSealed != nil || row.Status != accounts.StatusDisconnected {
			t.Errorf("disconnected row keeps secrets: %+v", row)
		}
		if err := use(); wantCode(t, err, "account_disconnected") == nil {
			t.Error("disconnected account used")
		}
		if n, _ := e.svc.ConnectedAccounts(ctx, e.ann.UserID); n != 0 {
			t.Errorf("%d connected after disconnect", n)
		}
	})

	want := []string{
		"code_requested", "connected", "wait_account", "status_flood_wait", "status_limited", "limit_reset",
		"status_needs_relogin", "relogin_started", "logged_in_again", "old_session_logged_out",
		"rotation_started", "login_refused", "rotation_started", "rotated", "old_session_logged_out", "session_terminated", "disconnected",
	}
	if got := e.events(e.ann, acct.ID); !slices.Equal(got, want) {
		t.Errorf("activity\n got %v\nwant %v", got, want)
	}

	// The workspace's audit log has each action a person took with the
	// account, with who and from where; bea's refused tries left nothing.
	log, err := e.st.AuditEventsPage(ctx, e.ann.UserID, store.AuditFilter{}, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for i := len(log) - 1; i >= 0; i-- {
		ev := log[i]
		actions = append(actions, ev.Action)
		if ev.ActorUserID != e.ann.UserID || ev.ActorEmail != "ann@example.com" || ev.IP != e.ann.IP ||
			ev.TargetKind != audit.TargetAccount || ev.TargetID != acct.ID || !strings.Contains(ev.TargetLabel, phoneCleo) {
			t.Errorf("audit event %+v: want ann from %s on account %d", ev, e.ann.IP, acct.ID)
		}
	}
	wantAudit := []string{audit.AccountConnected, audit.AccountLoggedInAgain, audit.AccountRotated, audit.SessionTerminated, audit.AccountDisconnected}
	if !slices.Equal(actions, wantAudit) {
		t.Errorf("audit log\n got %v\nwant %v", actions, wantAudit)
	}
	if other, _ := e.st.AuditEventsPage(ctx, e.bea.UserID, store.AuditFilter{TargetKind: audit.TargetAccount, TargetID: acct.ID}, 0, 100); len(other) != 0 {
		t.Errorf("bea's workspace has ann's account's %+v", other)
	}
}

// session opens an account's stored session the way the service does.
func (e *env) session(id int64) telegram.Session {
	e.t.Helper()
	row, err := e.st.AccountByID(context.Background(), e.ann.UserID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	b, err := e.keys.Open(row.SessionSealed, fmt.Appendf(nil, "telegram_accounts.session_sealed:%d", id))
	if err != nil {
		e.t.Fatal(err)
	}
	return telegram.Session(b)
}

// TestOverlappingUsesKeepEveryVerdict: while one use of an account waits
// for Telegram, another use of the same account stores its refreshed
// session (sealed anew, so the sealed bytes differ); the first use then
// meets PEER_FLOOD, and that verdict must land all the same.
func TestOverlappingUsesKeepEveryVerdict(t *testing.T) {
	e := sqliteEnv(t)
	ctx := ctxFor(t)
	t.Cleanup(sbx.ClearFaults)
	acct := e.connect(e.ann, appF, phoneCleo, "")
	started, release := make(chan struct{}), make(chan struct{})
	slow := make(chan error, 1)
	go func() {
		slow <- e.svc.Use(ctx, e.ann.UserID, acct.ID, func(ctx context.Context, api *tg.Client) error {
			close(started)
			<-release
			return selfCheck(3003)(ctx, api)
		})
	}()
	<-started
	// What a concurrent use does when its connection refreshed the session.
	resealed, err := e.keys.Seal(e.session(acct.ID), fmt.Appendf(nil, "telegram_accounts.session_sealed:%d", acct.ID))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.UpdateAccountSession(ctx, acct.ID, resealed, clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := sbx.SetFault(sandbox.Fault{Method: "users.getUsers", Error: "PEER_FLOOD"}); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-slow; !errors.Is(err, telegram.ErrPeerFlood) {
		t.Fatalf("slow use: %v, want PEER_FLOOD", err)
	}
	a, err := e.svc.Get(ctx, e.ann.UserID, acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != accounts.StatusLimited {
		t.Errorf("after a PEER_FLOOD in an overlapping use the account is %q, want limited", a.Status)
	}
}

// TestVerdictLandsAfterTheLeaseEnded: a use meets PEER_FLOOD after the
// account's lease has ended under it (its connection stopped and gave the
// lease back, as a connection does on PEER_FLOOD). No other node holds the
// account, so Telegram's verdict must still be stored: the account is
// limited. Fencing the verdict with the ended lease dropped it (seen in CI
// under load, where the connection's release won the race).
func TestVerdictLandsAfterTheLeaseEnded(t *testing.T) {
	e := sqliteEnv(t)
	ctx := ctxFor(t)
	t.Cleanup(sbx.ClearFaults)
	acct := e.connect(e.ann, appF, phoneCleo, "")
	err := e.svc.Use(ctx, e.ann.UserID, acct.ID, func(ctx context.Context, api *tg.Client) error {
		f, ok := lease.FromContext(ctx)
		if !ok {
			return errors.New("the use runs under no lease")
		}
		if err := e.st.ReleaseLease(context.Background(), f); err != nil {
			return err
		}
		if err := sbx.SetFault(sandbox.Fault{Method: "users.getUsers", Error: "PEER_FLOOD"}); err != nil {
			return err
		}
		return selfCheck(3003)(ctx, api)
	})
	if !errors.Is(err, telegram.ErrPeerFlood) {
		t.Fatalf("use: %v, want PEER_FLOOD", err)
	}
	a, err := e.svc.Get(ctx, e.ann.UserID, acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != accounts.StatusLimited {
		t.Errorf("after a PEER_FLOOD met once the lease had ended the account is %q, want limited", a.Status)
	}
}
