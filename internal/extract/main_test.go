package extract_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
	"github.com/telegramate/telegramate/internal/testkit"
)

// One sandbox and one login per account serve every test: a new auth key
// costs about a second (five under -race).
var (
	sbx      *sandbox.Server
	gw       *telegram.Gateway
	creds    = telegram.Credentials{APIID: 1234567, APIHash: "0123456789abcdef0123456789abcdef"}
	sessMu   sync.Mutex
	sessions = map[string]telegram.Session{}
)

const (
	phoneAnn = "9996611001" // a plain member of most chats
	phoneBob = "9996611002" // creator of the supergroups and the channel
)

// Chats of the test world. The participant cap is 2,000 so that one chat
// is past it with few members.
const (
	chatGoDevs = 5001 // 1,506 members, under the cap
	chatCrowd  = 5002 // 2,602 members, past the cap
	chatQuiet  = 5003 // hidden members
	chatNews   = 5004 // broadcast channel, Ann not admin
	chatFamily = 5005 // basic group, Ann creator
	chatPublic = 5006 // public supergroup Ann is not in
	chatNul    = 5007 // U+0000 in its title and a member's name, Ann not in
	testCap    = 2000
	worldJSON  = `{
	  "dcs": [1],
	  "apps": [{"api_id": 1234567, "api_hash": "0123456789abcdef0123456789abcdef"}],
	  "users": [
	    {"id": 1001, "phone": "9996611001", "first_name": "Ann", "last_name": "Lee", "username": "ann_lee"},
	    {"id": 1002, "phone": "9996611002", "first_name": "Bob", "username": "bob_admin", "premium": true},
	    {"id": 1003, "phone": "9996611003", "first_name": "Cleo", "username": "cleo_c", "status": "online", "verified": true},
	    {"id": 1004, "phone": "9996611004", "first_name": "Dan", "last_name": "O'Neil, \"Jr\"", "status": "offline:1767225600"},
	    {"id": 1005, "first_name": "Helper", "username": "helper_bot", "bot": true},
	    {"id": 1006, "deleted": true},
	    {"id": 1007, "first_name": "=HYPERLINK(\"http://x.test\")", "last_name": "@evil", "username": "formula_fan"},
	    {"id": 1008, "first_name": "Nu\u0000ll", "last_name": "\u0000Zed"}
	  ],
	  "chats": [
	    {"id": 5001, "type": "supergroup", "title": "Go Devs", "username": "go_devs", "creator": 1002,
	     "members": [1002, 1001, 1003, 1004, 1005, 1006], "admins": [1003], "generate_members": {"count": 1500, "seed": 7}},
	    {"id": 5002, "type": "supergroup", "title": "Crowd", "username": "big_crowd", "creator": 1002,
	     "members": [1002, 1001], "generate_members": {"count": 2600, "seed": 8}},
	    {"id": 5003, "type": "supergroup", "title": "Quiet Room", "creator": 1002, "members": [1002, 1001, 1003, 1005],
	     "admins": [1003], "hidden_members": true, "generate_members": {"count": 400, "seed": 9}},
	    {"id": 5004, "type": "channel", "title": "News", "username": "news_chan", "creator": 1002,
	     "members": [1002, 1001], "generate_members": {"count": 300, "seed": 10}},
	    {"id": 5005, "type": "group", "title": "Family", "creator": 1001, "members": [1001, 1003, 1004, 1005, 1007], "admins": [1003]},
	    {"id": 5006, "type": "supergroup", "title": "Public Square", "username": "public_square", "creator": 1002, "members": [1002],
	     "generate_members": {"count": 250, "seed": 11}},
	    {"id": 5007, "type": "supergroup", "title": "Nul\u0000 Club", "creator": 1002, "members": [1002, 1008]}
	  ],
	  "limits": {"participants_cap": 2000}
	}`
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	if err := startSandbox(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testkit.Main(m)
}

func startSandbox() error {
	w, err := sandbox.ParseWorld([]byte(worldJSON))
	if err != nil {
		return fmt.Errorf("sandbox world: %w", err)
	}
	sbx, err = sandbox.Start(context.Background(), w, sandbox.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	gw, err = telegram.New(telegram.Config{DCs: sbx.DCs(), PublicKeyPEM: sbx.PublicKeyPEM(), ConnectTimeout: 10 * time.Second})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, phone := range []string{phoneAnn, phoneBob} {
		p, err := gw.SendCode(ctx, creds, phone)
		if err != nil {
			return fmt.Errorf("send code %s: %w", phone, err)
		}
		res, err := gw.SignIn(ctx, creds, phone, p, secrets.Secret(strings.Repeat(phone[5:6], 5)))
		if err != nil {
			return fmt.Errorf("sign in %s: %w", phone, err)
		}
		sessions[phone] = res.Session
	}
	return nil
}

// tgAccounts is extract.Accounts over the real gateway and the sandbox
// logins: what accounts.Service does, minus sealing and health.
type tgAccounts struct {
	st       store.Store
	mu       sync.Mutex
	phones   map[int64]string // account id → phone
	activity []string
}

func (a *tgAccounts) Use(ctx context.Context, userID, accountID int64, fn func(ctx context.Context, api *tg.Client) error, opts ...telegram.RunOption) error {
	a.mu.Lock()
	phone, ok := a.phones[accountID]
	a.mu.Unlock()
	if !ok {
		return fmt.Errorf("test accounts: no account %d", accountID)
	}
	sessMu.Lock()
	sess := sessions[phone]
	sessMu.Unlock()
	out, err := gw.Run(ctx, creds, sess, fn, opts...)
	sessMu.Lock()
	sessions[phone] = out
	sessMu.Unlock()
	return err
}

// Owned asks the store, as accounts.Service does.
func (a *tgAccounts) Owned(ctx context.Context, userID, accountID int64) error {
	if _, err := a.st.AccountByID(ctx, userID, accountID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("Account")
		}
		return err
	}
	return nil
}

// Usable: these tests' accounts are always connected; the refusal itself
// is tested end to end in e2e with the real accounts service.
func (a *tgAccounts) Usable(context.Context, int64, int64) error { return nil }

func (a *tgAccounts) LogActivity(_ context.Context, _, accountID int64, event, detail, _ string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.activity = append(a.activity, fmt.Sprintf("%d %s: %s", accountID, event, detail))
	return nil
}

func (a *tgAccounts) events() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.activity...)
}
