// Package webhook sends a user's events to the URLs they chose: a JSON
// body {"id","type","created_at","data"} signed with the endpoint's
// secret (see Sign for the header), delivered by River jobs with retries
// and exponential backoff for about a day, then marked failed.
//
// An event is written as one delivery row per endpoint, with its job, in
// the transaction of what it tells about (PublishTx) or, for an event
// learned after a commit, in a transaction of its own right after
// (Publish): no event is lost to a restart. A delivery's state says
// whether it was delivered, so a delivered event is not sent again;
// receivers de-duplicate by the event id the rare event whose answer was
// lost between the receiver and the database.
//
// Domain packages do not import this package: each declares the one
// method it calls (PublishTx or Publish) as a small interface of its own,
// set when the application is wired.
package webhook

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/telegramate/telegramate/internal/secrets"
)

// Event types a user can subscribe an endpoint to.
const (
	MessageReceived   = "message.received"
	AnswerSent        = "answer.sent"
	DeliverySent      = "delivery.sent"
	DeliveryFailed    = "delivery.failed"
	CampaignCompleted = "campaign.completed"
	AccountLimited    = "account.limited"
	AccountNeedsLogin = "account.needs_login"
	WebhookDisabled   = "webhook.disabled"
	// TestEvent is what "Send test event" sends, to any endpoint.
	TestEvent = "webhook.test"
)

// EventTypes lists the types an endpoint can choose, in the order shown.
var EventTypes = []string{MessageReceived, AnswerSent, DeliverySent, DeliveryFailed, CampaignCompleted, AccountLimited, AccountNeedsLogin, WebhookDisabled}

// EventDescriptions says what each event type tells, for the pages.
var EventDescriptions = map[string]string{
	MessageReceived:   "Someone wrote to one of your accounts",
	AnswerSent:        "An answer written in the inbox reached Telegram (with who wrote it)",
	DeliverySent:      "A campaign message reached Telegram",
	DeliveryFailed:    "A campaign message will not be sent (and why)",
	CampaignCompleted: "A campaign has no messages left to send",
	AccountLimited:    "Telegram limited an account (PEER_FLOOD)",
	AccountNeedsLogin: "An account's session ended and it must log in again",
	WebhookDisabled:   "Another of your webhooks was disabled after failing for a day",
}

// Queue is the part of River's client the service uses.
type Queue interface {
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Options are a Service's parts and settings.
type Options struct {
	// Queue enqueues the service's jobs: an insert-only River client, so
	// that the client that works them can be built after the services
	// whose workers it runs.
	Queue   Queue
	Store   Store
	Keyring *secrets.Keyring
	Logger  *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Client sends the requests; nil is DefaultClient(AllowPrivate).
	Client *http.Client
	// AllowPrivate lets endpoints be internal addresses (loopback, private
	// networks, link-local, the cloud's metadata service) and plain http
	// to a loopback one: the operator's --webhook-allow-private, off by
	// default, so a tenant cannot make the instance reach into its own
	// network.
	AllowPrivate bool
	// RetryWindow is how long after its event a delivery is still tried
	// (default 24 hours); an attempt that fails with no retry left in the
	// window marks it failed.
	RetryWindow time.Duration
	// Retention is how long a delivered or failed delivery is kept
	// (default Retention); negative keeps it.
	Retention time.Duration
	// Backoff is the wait after the n-th failed attempt (n from 1), both
	// a delivery's and, over all its deliveries, an endpoint's; default
	// Backoff.
	Backoff func(n int) time.Duration
	// DisableAfter is how long an endpoint fails without a success
	// before it is disabled (default 24 hours; tests shorten it).
	DisableAfter time.Duration
}

// Service keeps a user's endpoints and delivers their events.
type Service struct {
	st  Store
	log *slog.Logger
	o   Options

	inFlight  inFlight
	testLimit testLimit

	// txSeen remembers the endpoints read in the last few transactions
	// (endpointsIn).
	txMu   sync.Mutex
	txSeen [8]txEndpoints
	txNext int
}

// RequestTimeout bounds one attempt, from connecting to the answer's
// headers and the excerpt of its body.
const RequestTimeout = 10 * time.Second

// New returns a Service.
func New(o Options) (*Service, error) {
	if o.Store == nil || o.Keyring == nil {
		return nil, errors.New("webhook: Store and Keyring are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Client == nil {
		o.Client = DefaultClient(o.AllowPrivate)
	}
	if o.RetryWindow <= 0 {
		o.RetryWindow = 24 * time.Hour
	}
	if o.DisableAfter <= 0 {
		o.DisableAfter = 24 * time.Hour
	}
	if o.Backoff == nil {
		o.Backoff = Backoff
	}
	return &Service{st: o.Store, log: o.Logger, o: o}, nil
}

// DefaultClient times out and does not follow redirects: a redirect is
// an answer that is not 2xx, and following it could lead anywhere. Unless
// allowPrivate, it refuses to connect to an internal address, whatever
// name led to it (address.go).
func DefaultClient(allowPrivate bool) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	d := &net.Dialer{Timeout: 5 * time.Second}
	if !allowPrivate {
		d.Control = dialControl
	}
	tr.DialContext = d.DialContext
	tr.TLSHandshakeTimeout = 5 * time.Second
	tr.ResponseHeaderTimeout = RequestTimeout
	tr.Proxy = nil
	return &http.Client{
		Timeout:       RequestTimeout,
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Backoff waits 10 s after the first failure and twice as long after
// each next one, at most an hour: about 30 attempts in a day.
func Backoff(n int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

func (s *Service) jobs() (Queue, error) {
	if s.o.Queue == nil {
		return nil, errors.New("webhook: no job queue (Options.Queue is nil)")
	}
	return s.o.Queue, nil
}

func (s *Service) now() time.Time { return s.o.Now().UTC() }
