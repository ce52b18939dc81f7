package accounts_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/accounts/accountstest"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/telegram"
	"github.com/telegramate/telegramate/internal/testkit"
)

// One sandbox serves every test of the package (a fresh auth key costs a
// second, five under -race); each test logs in its own phone numbers.
var (
	sbx   *sandbox.Server
	clock = &testkit.Clock{}
)

type app struct {
	id   int64
	hash secrets.Secret
}

func appOf(a accountstest.App) app { return app{a.ID, secrets.Secret(a.Hash)} }

var (
	appA = appOf(accountstest.AppA)
	appB = appOf(accountstest.AppB)
	appC = appOf(accountstest.AppC)
	appD = appOf(accountstest.AppD)
	appE = appOf(accountstest.AppE)
	appF = appOf(accountstest.AppF)
	appG = appOf(accountstest.AppG)
)

const (
	phoneAnn  = accountstest.PhoneAnn
	phoneBob  = accountstest.PhoneBob
	phoneCleo = accountstest.PhoneCleo
	phoneDan  = accountstest.PhoneDan
	phoneGus  = accountstest.PhoneGus
	bobPass   = accountstest.BobPassword
	gusPass   = accountstest.GusPassword
)

func TestMain(m *testing.M) {
	// The sandbox dies with the process: testkit.Main exits once it has
	// stopped the PostgreSQL server the store tests started.
	var err error
	sbx, err = sandbox.Start(context.Background(), accountstest.World(), sandbox.Options{Listen: "127.0.0.1:0", Clock: clock.Now})
	if err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(1)
	}
	testkit.Main(m)
}

// env is a Service on a fresh database, with its logs captured.
type env struct {
	t    testing.TB
	svc  *accounts.Service
	st   store.Store
	keys *secrets.Keyring
	gw   *telegram.Gateway
	logs *testkit.SyncBuffer
	ann  accounts.Actor // a platform user
	bea  accounts.Actor // another one
}

func newEnv(t testing.TB, st store.Store) *env {
	t.Helper()
	logs := &testkit.SyncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	gw, err := telegram.New(telegram.Config{
		DCs: sbx.DCs(), PublicKeyPEM: sbx.PublicKeyPEM(), Logger: logger, ConnectTimeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secrets.NewKeyring(secrets.Key{ID: "test", Secret: bytes.Repeat([]byte{7}, secrets.KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := accounts.New(accounts.Options{Store: st, Keyring: keys, Gateway: gw, Logger: logger, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, svc: svc, st: st, keys: keys, gw: gw, logs: logs}
	e.ann = accounts.Actor{UserID: e.user("ann@example.com"), IP: "192.0.2.10"}
	e.bea = accounts.Actor{UserID: e.user("bea@example.com"), IP: "192.0.2.20"}
	return e
}

func sqliteEnv(t *testing.T) *env { return newEnv(t, storetest.SQLite(t)) }

func (e *env) user(email string) int64 {
	e.t.Helper()
	u, err := e.st.CreateUser(context.Background(), store.NewUser{Email: email, PasswordHash: "x", Now: time.Now()})
	if err != nil {
		e.t.Fatal(err)
	}
	return u.ID
}

func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// codeFor is Telegram's test convention: 99966XYYYY gets XXXXX.
func codeFor(phone string) string { return accountstest.Code(phone) }

func input(a app, phone string) accounts.ConnectInput {
	return accounts.ConnectInput{APIID: fmt.Sprint(a.id), APIHash: a.hash, Phone: "+" + phone}
}

// connect follows the whole login and returns the active account.
func (e *env) connect(by accounts.Actor, a app, phone, password string) accounts.Account {
	e.t.Helper()
	ctx := ctxFor(e.t)
	acct, err := e.svc.Start(ctx, by, input(a, phone))
	if err != nil {
		e.t.Fatalf("start %s: %v", phone, err)
	}
	acct, err = e.svc.SubmitCode(ctx, by, acct.ID, codeFor(phone))
	if err != nil {
		e.t.Fatalf("code %s: %v", phone, err)
	}
	if password != "" {
		if acct.Step() != accounts.LoginPasswordNeeded {
			e.t.Fatalf("%s after code: %s, want password_needed", phone, acct.Step())
		}
		if acct, err = e.svc.SubmitPassword(ctx, by, acct.ID, secrets.Secret(password)); err != nil {
			e.t.Fatalf("password %s: %v", phone, err)
		}
	}
	if acct.Status != accounts.StatusActive || acct.Login != nil {
		e.t.Fatalf("%s connected as %+v", phone, acct)
	}
	return acct
}

func (e *env) events(by accounts.Actor, id int64) []string {
	e.t.Helper()
	list, err := e.svc.Activity(context.Background(), by.UserID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for i := len(list) - 1; i >= 0; i-- {
		out = append(out, list[i].Event)
	}
	return out
}
