package accounts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/connections"
	"github.com/telegramate/telegramate/internal/lease"
	"github.com/telegramate/telegramate/internal/relay"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
)

// LoginTTL is how long a login waits for its next step (code or password).
const LoginTTL = 15 * time.Minute

// AbandonedAfter is how long a pending account whose login is gone stays
// listed (as "Login expired"), so a person coming back sees what happened.
const AbandonedAfter = 24 * time.Hour

// Gateway is the part of internal/telegram this package uses;
// *telegram.Gateway implements it.
type Gateway interface {
	SendCode(ctx context.Context, creds telegram.Credentials, phone string) (telegram.Pending, error)
	ResendCode(ctx context.Context, creds telegram.Credentials, phone string, prev telegram.Pending) (telegram.Pending, error)
	SignIn(ctx context.Context, creds telegram.Credentials, phone string, p telegram.Pending, code secrets.Secret) (telegram.Result, error)
	CheckPassword(ctx context.Context, creds telegram.Credentials, session telegram.Session, password secrets.Secret) (telegram.Result, error)
	LogOut(ctx context.Context, creds telegram.Credentials, session telegram.Session) error
	Run(ctx context.Context, creds telegram.Credentials, session telegram.Session, fn func(ctx context.Context, api *tg.Client) error, opts ...telegram.RunOption) (telegram.Session, error)
	Live(ctx context.Context, creds telegram.Credentials, session telegram.Session, o telegram.LiveOptions, fn func(ctx context.Context, api *tg.Client) error) (telegram.Session, error)
}

var _ Gateway = (*telegram.Gateway)(nil)

// Options are a Service's parts.
type Options struct {
	Store   Store
	Keyring *secrets.Keyring
	Gateway Gateway
	Logger  *slog.Logger
	// Now is the clock (tests move it); nil is time.Now.
	Now func() time.Time
	// Leases gives this node the accounts it uses, one node per account
	// at a time (nil: lease.Default, the process's on Store).
	Leases *lease.Manager
	// UpdatesFlushEvery is how often the live connections' updates
	// states are stored (0: every second).
	UpdatesFlushEvery time.Duration
	// DatabaseURL is PostgreSQL's, when several nodes may run: a
	// person's call on a node that does not hold the account is then
	// made by the node that does (package relay). Empty on SQLite.
	DatabaseURL string
}

// Service connects and runs users' Telegram accounts. It is safe for
// concurrent use; between calls it keeps only a short cache of each
// account's sessions (sessions.go).
type Service struct {
	st   Store
	keys *secrets.Keyring
	tg   Gateway
	log  *slog.Logger
	now  func() time.Time

	sessions sessionCache
	leases   *lease.Manager
	// health is told of limits and ended sessions (OnHealthChange).
	health atomic.Pointer[HealthHook]
	// rt holds the accounts' live connections on this node (live.go).
	rt *connections.Runtime
	// lives are the leases of the live connections, by account.
	lives sync.Map // account id → *lease.Use
	// relay takes a person's calls to the node holding the account, and
	// makes the calls other nodes send here (relayed.go).
	relay *relay.Relay
}

// New returns a Service.
func New(o Options) (*Service, error) {
	if o.Store == nil || o.Keyring == nil || o.Gateway == nil {
		return nil, errors.New("accounts: Store, Keyring and Gateway are required")
	}
	s := &Service{st: o.Store, keys: o.Keyring, tg: o.Gateway, log: o.Logger, now: o.Now, leases: o.Leases}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.leases == nil {
		s.leases = lease.Default(o.Store)
	}
	if s.now == nil {
		s.now = time.Now
	}
	rt, err := connections.New(connections.Options{Store: o.Store, Open: s.openLive, Logger: s.log, Now: s.now, FlushEvery: o.UpdatesFlushEvery,
		Connected: func(ctx context.Context) ([]store.AccountRef, error) { return s.st.ConnectedAccounts(ctx) }})
	if err != nil {
		return nil, err
	}
	s.rt = rt
	s.relay = s.newRelay(o.DatabaseURL)
	return s, nil
}

// Actor is who asks, for the activity log.
type Actor struct {
	UserID int64
	IP     string
}

// Sealed values are bound to their column and account, so a value copied
// to another row or column does not open there.
func adAccount(column string, accountID int64) []byte {
	return fmt.Appendf(nil, "telegram_accounts.%s:%d", column, accountID)
}

func adLogin(column string, accountID int64) []byte {
	return fmt.Appendf(nil, "pending_logins.%s:account:%d", column, accountID)
}

func (s *Service) seal(plain []byte, ad []byte) ([]byte, error) {
	out, err := s.keys.Seal(plain, ad)
	if err != nil {
		return nil, fmt.Errorf("seal %s: %w", ad, err)
	}
	return out, nil
}

func (s *Service) open(sealed []byte, ad []byte) ([]byte, error) {
	if sealed == nil {
		return nil, nil
	}
	out, err := s.keys.Open(sealed, ad)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", ad, err)
	}
	return out, nil
}

// sealedLogin is a pending login's secrets, opened.
type openLogin struct {
	row     store.PendingLogin
	creds   telegram.Credentials
	pending telegram.Pending
}

func (s *Service) openLogin(p store.PendingLogin) (openLogin, error) {
	hash, err := s.open(p.APIHashSealed, adLogin("api_hash_sealed", p.AccountID))
	if err != nil {
		return openLogin{}, err
	}
	codeHash, err := s.open(p.PhoneCodeHashSealed, adLogin("phone_code_hash_sealed", p.AccountID))
	if err != nil {
		return openLogin{}, err
	}
	session, err := s.open(p.SessionSealed, adLogin("session_sealed", p.AccountID))
	if err != nil {
		return openLogin{}, err
	}
	return openLogin{
		row:   p,
		creds: telegram.Credentials{APIID: int(p.APIID), APIHash: secrets.Secret(hash)},
		pending: telegram.Pending{
			Session:       telegram.Session(session),
			PhoneCodeHash: string(codeHash),
			CodeType:      p.CodeType,
			CodeLength:    p.CodeLength,
			NextType:      p.NextType,
			Timeout:       time.Duration(p.CodeTimeoutSeconds) * time.Second,
		},
	}, nil
}

// sealLogin fills p's sealed columns.
func (s *Service) sealLogin(p *store.PendingLogin, apiHash secrets.Secret, pending telegram.Pending) error {
	var err error
	if p.APIHashSealed, err = s.seal([]byte(apiHash.Reveal()), adLogin("api_hash_sealed", p.AccountID)); err != nil {
		return err
	}
	if p.PhoneCodeHashSealed, err = s.seal([]byte(pending.PhoneCodeHash), adLogin("phone_code_hash_sealed", p.AccountID)); err != nil {
		return err
	}
	p.SessionSealed, err = s.seal(pending.Session, adLogin("session_sealed", p.AccountID))
	return err
}

// openAccount is a live account's credentials and session, opened.
type openAccount struct {
	row     store.Account
	creds   telegram.Credentials
	session telegram.Session
}

func (s *Service) openAccount(a store.Account) (openAccount, error) {
	hash, err := s.open(a.APIHashSealed, adAccount("api_hash_sealed", a.ID))
	if err != nil {
		return openAccount{}, err
	}
	session, err := s.open(a.SessionSealed, adAccount("session_sealed", a.ID))
	if err != nil {
		return openAccount{}, err
	}
	return openAccount{
		row:     a,
		creds:   telegram.Credentials{APIID: int(a.APIID), APIHash: secrets.Secret(hash)},
		session: telegram.Session(session),
	}, nil
}

// personID is who acts (the web layer's actor); 0 for background work.
// by names the owning workspace, not the person.
func personID(ctx context.Context) int64 {
	a, _ := actor.From(ctx)
	return a.UserID
}

// personOr is personID, else fallback: a call without the web layer (the
// CLI, a test) names by's user, the person's own workspace's id for the
// people the migration gave one.
func personOr(ctx context.Context, fallback int64) int64 {
	if id := personID(ctx); id != 0 {
		return id
	}
	return fallback
}

// activityWriter is what record writes with: the store, or a transaction
// of it.
type activityWriter interface {
	AddActivity(ctx context.Context, a store.Activity) (store.Activity, error)
}

// record writes one line of the activity log. A failure to write it is
// logged, not returned: the step it describes already happened.
func (s *Service) record(ctx context.Context, q activityWriter, by Actor, accountID int64, event, detail string) {
	if _, err := q.AddActivity(ctx, store.Activity{
		AccountID: accountID, UserID: by.UserID, ByUserID: personOr(ctx, by.UserID), Event: event, Detail: detail, IP: by.IP, CreatedAt: s.now().UTC(),
	}); err != nil {
		s.log.Error("account activity not recorded", slog.Int64("account", accountID), slog.String("event", event), slog.Any("err", err))
	}
}

// get is the user's account with its login in progress, if any.
func (s *Service) get(ctx context.Context, userID, accountID int64) (Account, error) {
	row, err := s.row(ctx, userID, accountID)
	if err != nil {
		return Account{}, err
	}
	a := fromStore(row)
	if err := s.attachLogin(ctx, &a); err != nil {
		return Account{}, err
	}
	return a, nil
}

func (s *Service) attachLogin(ctx context.Context, a *Account) error {
	if a.Status == StatusDisconnected {
		return nil
	}
	p, err := s.st.PendingLoginByAccount(ctx, a.UserID, a.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if a.Status == StatusPending {
			// The pruned login's API ID is the account's: a pending account
			// carries the one its login tried.
			a.Login = &Login{State: LoginExpired, APIID: a.APIID}
			if a.StatusDetail == loginEndedDetail {
				a.Login.State = LoginEnded
			}
		}
		return nil
	case err != nil:
		return fmt.Errorf("account %d login: %w", a.ID, err)
	}
	l := loginFrom(p, s.now())
	if l.State == LoginExpired && a.Status != StatusPending {
		// An expired rotation or re-login is simply over.
		return nil
	}
	a.Login = l
	return nil
}
