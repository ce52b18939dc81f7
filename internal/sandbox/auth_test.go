package sandbox

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
	"github.com/telegramate/telegramate/internal/testkit"
)

// wantRPC checks for a Telegram error; inside a client's Run it must not
// call t.Fatal, so it reports and returns an error to stop the run.
func wantRPC(t testing.TB, err error, typ string) error {
	t.Helper()
	if !tgerr.Is(err, typ) {
		return fmt.Errorf("got %v, want %s", err, typ)
	}
	return nil
}

func TestLoginWithoutPassword(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	c := clientFor(t, s, 1, testAPIID, testAPIHash, nil)
	run(t, c, func(ctx context.Context) error {
		u, err := login(ctx, s, c, annPhone, "")
		if err != nil {
			return err
		}
		if u.ID != 1001 || !u.Self || u.FirstName != "Ann" {
			t.Errorf("logged in as %+v", u)
		}
		if code, _ := s.Code(annPhone); code != "11111" {
			t.Errorf("code %q, want 11111 (99966XYYYY gets XXXXX)", code)
		}
		self, err := c.Self(ctx)
		if err != nil {
			return err
		}
		if self.ID != 1001 {
			t.Errorf("self %d", self.ID)
		}
		return nil
	})
	if s.Counts()["auth.signIn"] != 1 {
		t.Errorf("counts %v", s.Counts())
	}
}

func TestLoginWith2FAAfterPhoneMigrate(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	// Bob lives on DC 2; the client starts on DC 1 and must be sent over.
	c := clientFor(t, s, 1, testAPIID, testAPIHash, nil)
	run(t, c, func(ctx context.Context) error {
		sent, err := c.Auth().SendCode(ctx, bobPhone, auth.SendCodeOptions{})
		if err != nil {
			return err
		}
		hash := sent.(*tg.AuthSentCode).PhoneCodeHash
		_, err = c.Auth().SignIn(ctx, bobPhone, "22222", hash)
		if !errors.Is(err, auth.ErrPasswordAuthNeeded) {
			return fmt.Errorf("signIn: %v, want password needed", err)
		}
		pw, err := c.API().AccountGetPassword(ctx)
		if err != nil {
			return err
		}
		if !pw.HasPassword || pw.Hint != "pet" {
			t.Errorf("password info %+v", pw)
		}
		_, err = c.Auth().Password(ctx, "wrong")
		if !errors.Is(err, auth.ErrPasswordInvalid) {
			return fmt.Errorf("wrong password: %v, want PASSWORD_HASH_INVALID", err)
		}
		a, err := c.Auth().Password(ctx, "secret")
		if err != nil {
			return err
		}
		if a.User.(*tg.User).ID != 1002 {
			t.Errorf("user %+v", a.User)
		}
		st, err := c.Auth().Status(ctx)
		if err != nil {
			return err
		}
		if !st.Authorized {
			t.Error("not authorized after password")
		}
		return nil
	})
	if s.Counts()["auth.sendCode"] != 2 {
		t.Errorf("want sendCode on DC 1 (PHONE_MIGRATE_2) then DC 2, counts %v", s.Counts())
	}
}

func TestLoginErrors(t *testing.T) {
	clock := &testkit.Clock{}
	s := startSandbox(t, testWorld(t), Options{Clock: clock.Now})

	t.Run("API_ID_INVALID", func(t *testing.T) {
		store, _ := fabricatedSession(t, s, 1)
		c := clientFor(t, s, 1, testAPIID, "ffffffffffffffffffffffffffffffff", store)
		run(t, c, func(ctx context.Context) error {
			_, err := c.Auth().SendCode(ctx, annPhone, auth.SendCodeOptions{})
			if err := wantRPC(t, err, "API_ID_INVALID"); err != nil {
				return err
			}
			return nil
		})
	})
	t.Run("PHONE_NUMBER_INVALID", func(t *testing.T) {
		c := freshClient(t, s, 1)
		run(t, c, func(ctx context.Context) error {
			for _, phone := range []string{"123", "9996699999"} {
				_, err := c.Auth().SendCode(ctx, phone, auth.SendCodeOptions{})
				if err := wantRPC(t, err, "PHONE_NUMBER_INVALID"); err != nil {
					return err
				}
			}
			return nil
		})
	})
	t.Run("PHONE_CODE_INVALID and EXPIRED", func(t *testing.T) {
		c := freshClient(t, s, 1)
		run(t, c, func(ctx context.Context) error {
			sent, err := c.Auth().SendCode(ctx, annPhone, auth.SendCodeOptions{})
			if err != nil {
				return err
			}
			hash := sent.(*tg.AuthSentCode).PhoneCodeHash
			_, err = c.Auth().SignIn(ctx, annPhone, "12345", hash)
			if err := wantRPC(t, err, "PHONE_CODE_INVALID"); err != nil {
				return err
			}
			clock.Advance(codeLifetime + time.Second)
			_, err = c.Auth().SignIn(ctx, annPhone, "11111", hash)
			if err := wantRPC(t, err, "PHONE_CODE_EXPIRED"); err != nil {
				return err
			}
			// A resent code gets a fresh lifetime.
			if _, err := c.API().AuthResendCode(ctx, &tg.AuthResendCodeRequest{PhoneNumber: annPhone, PhoneCodeHash: hash}); err != nil {
				return err
			}
			_, err = c.Auth().SignIn(ctx, annPhone, "11111", hash)
			return err
		})
	})
	t.Run("PHONE_CODE_EXPIRED with another key's hash", func(t *testing.T) {
		var hash string
		a := freshClient(t, s, 1)
		run(t, a, func(ctx context.Context) error {
			sent, err := a.Auth().SendCode(ctx, annPhone, auth.SendCodeOptions{})
			if err != nil {
				return err
			}
			hash = sent.(*tg.AuthSentCode).PhoneCodeHash
			return nil
		})
		b := freshClient(t, s, 1)
		run(t, b, func(ctx context.Context) error {
			_, err := b.Auth().SignIn(ctx, annPhone, "11111", hash)
			if err := wantRPC(t, err, "PHONE_CODE_EXPIRED"); err != nil {
				return err
			}
			return nil
		})
	})
	t.Run("AUTH_KEY_UNREGISTERED before login", func(t *testing.T) {
		c := freshClient(t, s, 1)
		run(t, c, func(ctx context.Context) error {
			_, err := c.API().MessagesGetDialogs(ctx, &tg.MessagesGetDialogsRequest{OffsetPeer: &tg.InputPeerEmpty{}, Limit: 10})
			if err := wantRPC(t, err, "AUTH_KEY_UNREGISTERED"); err != nil {
				return err
			}
			return nil
		})
	})
	t.Run("unknown method", func(t *testing.T) {
		c := freshClient(t, s, 1)
		run(t, c, func(ctx context.Context) error {
			_, err := c.API().HelpGetPremiumPromo(ctx)
			if err := wantRPC(t, err, "AUTH_KEY_UNREGISTERED"); err != nil {
				return err
			}
			if _, err := login(ctx, s, c, annPhone, ""); err != nil {
				return err
			}
			_, err = c.API().HelpGetPremiumPromo(ctx)
			if err := wantRPC(t, err, "INPUT_METHOD_INVALID"); err != nil {
				return err
			}
			// The connection survives the refusal.
			_, err = c.Self(ctx)
			return err
		})
	})
}

func TestLogOutUnregistersKey(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	c := freshClient(t, s, 1)
	run(t, c, func(ctx context.Context) error {
		if _, err := login(ctx, s, c, annPhone, ""); err != nil {
			return err
		}
		if _, err := c.API().AuthLogOut(ctx); err != nil {
			return err
		}
		_, err := c.Self(ctx)
		if err := wantRPC(t, err, "AUTH_KEY_UNREGISTERED"); err != nil {
			return err
		}
		// The same key may log in again.
		_, err = login(ctx, s, c, annPhone, "")
		return err
	})
}

func TestRevokedSessions(t *testing.T) {
	s := startSandbox(t, testWorld(t), Options{})
	first, _ := fabricatedSession(t, s, 1)
	c1 := clientFor(t, s, 1, testAPIID, testAPIHash, first)
	run(t, c1, func(ctx context.Context) error {
		_, err := login(ctx, s, c1, annPhone, "")
		return err
	})
	c2 := freshClient(t, s, 1)
	run(t, c2, func(ctx context.Context) error {
		if _, err := login(ctx, s, c2, annPhone, ""); err != nil {
			return err
		}
		list, err := c2.API().AccountGetAuthorizations(ctx)
		if err != nil {
			return err
		}
		if len(list.Authorizations) != 2 {
			return fmt.Errorf("authorizations %+v", list.Authorizations)
		}
		var other int64
		for _, a := range list.Authorizations {
			if a.APIID != testAPIID {
				t.Errorf("api id %d", a.APIID)
			}
			if !a.Current {
				other = a.Hash
			}
		}
		ok, err := c2.API().AccountResetAuthorization(ctx, other)
		if err != nil || !ok {
			return fmt.Errorf("reset: %v %v", ok, err)
		}
		_, err = c2.API().AccountResetAuthorization(ctx, other)
		if err := wantRPC(t, err, "HASH_INVALID"); err != nil {
			return err
		}
		return nil
	})
	// The first session, reconnecting with its saved key, is revoked.
	c1 = clientFor(t, s, 1, testAPIID, testAPIHash, first)
	run(t, c1, func(ctx context.Context) error {
		_, err := c1.Self(ctx)
		if err := wantRPC(t, err, "SESSION_REVOKED"); err != nil {
			return err
		}
		_, err = c1.API().MessagesGetDialogs(ctx, &tg.MessagesGetDialogsRequest{OffsetPeer: &tg.InputPeerEmpty{}, Limit: 10})
		if err := wantRPC(t, err, "SESSION_REVOKED"); err != nil {
			return err
		}
		return nil
	})
	// RevokeSessions ends the rest.
	if n := s.RevokeSessions("+" + annPhone); n != 1 {
		t.Errorf("revoked %d, want 1", n)
	}
}

func TestRestartWithStateKeepsSessions(t *testing.T) {
	path := tempState(t)
	w := testWorld(t)
	s, err := Start(context.Background(), w, Options{StateFile: path})
	if err != nil {
		t.Fatal(err)
	}
	pub := s.PublicKeyPEM()
	store, _ := fabricatedSession(t, s, 1)
	c := clientFor(t, s, 1, testAPIID, testAPIHash, store)
	run(t, c, func(ctx context.Context) error {
		_, err := login(ctx, s, c, annPhone, "")
		return err
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Same ports are not needed: the client is given the new addresses, and
	// keeps its auth key.
	s2 := startSandbox(t, testWorld(t), Options{StateFile: path, Key: nil})
	if string(s2.PublicKeyPEM()) != string(pub) {
		t.Fatal("public key changed across restart")
	}
	c = clientFor(t, s2, 1, testAPIID, testAPIHash, store)
	run(t, c, func(ctx context.Context) error {
		self, err := c.Self(ctx)
		if err != nil {
			return err
		}
		if self.ID != 1001 {
			t.Errorf("self %d", self.ID)
		}
		return nil
	})
}

// TestLoginInProgressSurvivesRestart: a code sent before a restart still
// signs in after it, and a login waiting for its 2FA password still takes
// the password (the demo keeps its sandbox state across restarts).
func TestLoginInProgressSurvivesRestart(t *testing.T) {
	path := tempState(t)
	s, err := Start(context.Background(), testWorld(t), Options{StateFile: path})
	if err != nil {
		t.Fatal(err)
	}
	annStore, _ := fabricatedSession(t, s, 1)
	bobStore, _ := fabricatedSession(t, s, 2)
	var annHash string
	ann := clientFor(t, s, 1, testAPIID, testAPIHash, annStore)
	run(t, ann, func(ctx context.Context) error {
		sent, err := ann.Auth().SendCode(ctx, annPhone, authOpts())
		if err != nil {
			return err
		}
		annHash = sent.(*tg.AuthSentCode).PhoneCodeHash
		return nil
	})
	bob := clientFor(t, s, 2, testAPIID, testAPIHash, bobStore)
	run(t, bob, func(ctx context.Context) error {
		sent, err := bob.Auth().SendCode(ctx, bobPhone, authOpts())
		if err != nil {
			return err
		}
		_, err = bob.Auth().SignIn(ctx, bobPhone, "22222", sent.(*tg.AuthSentCode).PhoneCodeHash)
		if !errors.Is(err, auth.ErrPasswordAuthNeeded) {
			t.Errorf("bob's sign-in before the password: %v", err)
		}
		return nil
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := startSandbox(t, testWorld(t), Options{StateFile: path})
	if code, ok := s2.Code(annPhone); !ok || code != "11111" {
		t.Errorf("control endpoint's code for ann after the restart: %q, %v", code, ok)
	}
	ann = clientFor(t, s2, 1, testAPIID, testAPIHash, annStore)
	run(t, ann, func(ctx context.Context) error {
		a, err := ann.Auth().SignIn(ctx, annPhone, "11111", annHash)
		if err != nil {
			return fmt.Errorf("ann signs in with the code sent before the restart: %w", err)
		}
		if id := a.User.(*tg.User).ID; id != 1001 {
			t.Errorf("ann signed in as %d", id)
		}
		return nil
	})
	bob = clientFor(t, s2, 2, testAPIID, testAPIHash, bobStore)
	run(t, bob, func(ctx context.Context) error {
		if _, err := bob.Auth().Password(ctx, "secret"); err != nil {
			return fmt.Errorf("bob's password after the restart: %w", err)
		}
		return nil
	})
}
