package sandbox

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gotd/log/logslog"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/session"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"
)

const (
	testAPIID   = 1234567
	testAPIHash = "0123456789abcdef0123456789abcdef"
	annPhone    = "9996611001" // DC 1, no 2FA, code 11111
	bobPhone    = "9996621002" // DC 2, 2FA "secret", code 22222
	cleoPhone   = "9996631003" // DC 1, refuses strangers
	danPhone    = "9996641004" // DC 1, replies STOP
)

func testWorld(t *testing.T) *World {
	t.Helper()
	w, err := ParseWorld([]byte(`{
	  "dcs": [1, 2],
	  "apps": [{"api_id": 1234567, "api_hash": "0123456789abcdef0123456789abcdef"}],
	  "users": [
	    {"id": 1001, "phone": "9996611001", "first_name": "Ann", "last_name": "Lee", "username": "ann_lee", "dc": 1, "contacts": [1002]},
	    {"id": 1002, "phone": "+999 662 1002", "first_name": "Bob", "username": "bob_stone", "dc": 2, "password": "secret", "password_hint": "pet", "contacts": [1001]},
	    {"id": 1003, "phone": "9996631003", "first_name": "Cleo", "username": "cleo_x", "dc": 1, "privacy_strangers": "deny", "status": "offline:1700000000"},
	    {"id": 1004, "phone": "9996641004", "first_name": "Dan", "dc": 1, "reply": "STOP"},
	    {"id": 1005, "first_name": "Helper", "username": "helper_bot", "bot": true},
	    {"id": 1006, "deleted": true}
	  ],
	  "chats": [
	    {"id": 5001, "type": "supergroup", "title": "Go Devs", "username": "godevs", "members": [1001, 1002, 1003, 1005], "admins": [1001], "creator": 1001,
	     "generate_members": {"count": 1000, "seed": 7}, "kicked": [1004]},
	    {"id": 5002, "type": "supergroup", "title": "Quiet Room", "members": [1001, 1002, 1005], "admins": [1002], "creator": 1002,
	     "generate_members": {"count": 50, "seed": 3}, "hidden_members": true},
	    {"id": 5003, "type": "channel", "title": "News", "username": "news_chan", "members": [1001, 1002], "admins": [1002], "creator": 1002,
	     "generate_members": {"count": 30, "seed": 1}},
	    {"id": 5004, "type": "group", "title": "Lunch", "members": [1001, 1003, 1004], "admins": [], "creator": 1001}
	  ],
	  "limits": {"participants_cap": 600, "page_size": 100, "peer_flood_after": 3}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func startSandbox(t testing.TB, w *World, opts Options) *Server {
	t.Helper()
	if opts.Logger == nil && os.Getenv("SANDBOX_DEBUG") != "" {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if opts.Key == nil && opts.StateFile == "" {
		opts.Key = sharedKey(t)
	}
	s, err := Start(context.Background(), w, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

var (
	keyOnce sync.Once
	key     *rsa.PrivateKey
)

// sharedKey saves generating an RSA key per test.
func sharedKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	keyOnce.Do(func() {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return key
}

// clientFor makes a stock gotd client pointed at the sandbox the way the
// product's gateway does: DC list, public key, MTProto over TCP.
func clientFor(t testing.TB, s *Server, dc int, apiID int, apiHash string, storage telegram.SessionStorage) *telegram.Client {
	t.Helper()
	return clientWith(t, s, dc, apiID, apiHash, storage, nil)
}

// clientWith is clientFor with an update handler (nil: no updates mode).
func clientWith(t testing.TB, s *Server, dc int, apiID int, apiHash string, storage telegram.SessionStorage, h telegram.UpdateHandler) *telegram.Client {
	t.Helper()
	keys, err := crypto.ParseRSAPublicKeys(s.PublicKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	var list dcs.List
	for id, addr := range s.DCs() {
		host, port, _ := splitHostPort(addr)
		list.Options = append(list.Options, tg.DCOption{ID: id, IPAddress: host, Port: port})
	}
	if storage == nil {
		storage = &session.StorageMemory{}
	}
	opts := telegram.Options{
		DC:             dc,
		DCList:         list,
		PublicKeys:     []telegram.PublicKey{{RSA: keys[0]}},
		SessionStorage: storage,
		NoUpdates:      h == nil,
		UpdateHandler:  h,
	}
	if os.Getenv("SANDBOX_DEBUG") != "" {
		opts.Logger = logslog.New(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})))
	}
	return telegram.NewClient(apiID, apiHash, opts)
}

func splitHostPort(addr string) (string, int, error) {
	return splitListen(addr)
}

// run runs f inside a connected client, failing the test on error.
func run(t testing.TB, c *telegram.Client, f func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := c.Run(ctx, f); err != nil {
		t.Fatal(err)
	}
}

// login signs a client in with the test code convention.
func login(ctx context.Context, s *Server, c *telegram.Client, phone, password string) (*tg.User, error) {
	sent, err := c.Auth().SendCode(ctx, phone, auth.SendCodeOptions{})
	if err != nil {
		return nil, err
	}
	code, ok := s.Code(phone)
	if !ok {
		return nil, errors.New("no code recorded")
	}
	a, err := c.Auth().SignIn(ctx, phone, code, sent.(*tg.AuthSentCode).PhoneCodeHash)
	if errors.Is(err, auth.ErrPasswordAuthNeeded) {
		a, err = c.Auth().Password(ctx, password)
	}
	if err != nil {
		return nil, err
	}
	return a.User.(*tg.User), nil
}

func tempState(t *testing.T) string {
	return filepath.Join(t.TempDir(), "state.json")
}

// fabricatedSession gives a client an auth key the sandbox already knows,
// without the key exchange: an auth key is 256 random bytes both sides
// share, and gotd's client spends most of a second per exchange checking
// the DH prime. Everything after the exchange is still real MTProto.
func fabricatedSession(t testing.TB, s *Server, dc int) (*session.StorageMemory, keyRef) {
	t.Helper()
	var k crypto.Key
	if _, err := rand.Read(k[:]); err != nil {
		t.Fatal(err)
	}
	ak := k.WithID()
	s.dcs[dc].srv.AddKey(ak)
	store := &session.StorageMemory{}
	loader := session.Loader{Storage: store}
	if err := loader.Save(context.Background(), &session.Data{
		DC: dc, Addr: s.DCs()[dc], AuthKey: ak.Value[:], AuthKeyID: ak.ID[:],
	}); err != nil {
		t.Fatal(err)
	}
	return store, keyRef{DC: dc, KeyID: ak.IntID()}
}

// freshClient is a client with a key that is not logged in.
func freshClient(t testing.TB, s *Server, dc int) *telegram.Client {
	store, _ := fabricatedSession(t, s, dc)
	return clientFor(t, s, dc, testAPIID, testAPIHash, store)
}

// loggedIn is a client already logged in as the account with this phone.
func loggedIn(t testing.TB, s *Server, phone string) *telegram.Client {
	t.Helper()
	s.mu.Lock()
	p := s.byPhone[phone]
	s.mu.Unlock()
	if p == nil {
		t.Fatalf("no account %s", phone)
	}
	store, ref := fabricatedSession(t, s, p.DC)
	s.mu.Lock()
	s.auths[ref] = &authz{DC: ref.DC, KeyID: ref.KeyID, UserID: p.ID, Hash: randInt64(), Created: s.now().Unix()}
	s.mu.Unlock()
	return clientFor(t, s, p.DC, testAPIID, testAPIHash, store)
}

// loggedInWith is loggedIn with an update handler.
func loggedInWith(t testing.TB, s *Server, phone string, h telegram.UpdateHandler) *telegram.Client {
	t.Helper()
	s.mu.Lock()
	p := s.byPhone[phone]
	s.mu.Unlock()
	store, ref := fabricatedSession(t, s, p.DC)
	s.mu.Lock()
	s.auths[ref] = &authz{DC: ref.DC, KeyID: ref.KeyID, UserID: p.ID, Hash: randInt64(), Created: s.now().Unix()}
	s.mu.Unlock()
	return clientWith(t, s, p.DC, testAPIID, testAPIHash, store, h)
}

// inputChannel is what a client would have from dialogs or resolveUsername.
func channelInput(s *Server, id int64) *tg.InputChannel {
	return &tg.InputChannel{ChannelID: id, AccessHash: s.chats[id].accessHash}
}

func userInput(s *Server, id int64) *tg.InputPeerUser {
	return &tg.InputPeerUser{UserID: id, AccessHash: s.people[id].accessHash}
}

func authOpts() auth.SendCodeOptions { return auth.SendCodeOptions{} }
