package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/webhook"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// receiver is a webhook receiver on 127.0.0.1, started by the test. It
// answers each request as its plan says ("500", "drop": close the
// connection without an answer, "block": wait until the sender gives
// up), then 204, and checks every signature with the secret it is given.
type receiver struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	secret   string
	plan     []string
	requests []request
	accepted map[string]int // event id → 2xx answers given
	blocked  chan struct{}  // closed when a "block" request arrived
	// onRequest, when set, runs as each request arrives (a test's clock
	// moves on).
	onRequest func()
	// now, when set, is the receiver's clock for the signature's time
	// window: a test's clock that the service shares.
	now func() time.Time
}

type request struct {
	event  webhook.Event
	header http.Header
	body   []byte
	sigErr error
	answer string
}

func newReceiver(t *testing.T, plan ...string) *receiver {
	r := &receiver{t: t, plan: plan, accepted: map[string]int{}, blocked: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) URL() string { return r.srv.URL + "/hook" }

func (r *receiver) setSecret(s secrets.Secret) {
	r.mu.Lock()
	r.secret = s.Reveal()
	r.mu.Unlock()
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	if r.onRequest != nil {
		r.onRequest()
	}
	answer := "204"
	if len(r.plan) > 0 {
		answer, r.plan = r.plan[0], r.plan[1:]
	}
	rq := request{header: req.Header.Clone(), body: body, answer: answer,
		sigErr: verifyAsDocumented(r.secret, req.Header.Get("Telegramate-Signature"), body, r.now)}
	_ = json.Unmarshal(body, &rq.event)
	if answer == "204" && rq.sigErr == nil {
		r.accepted[rq.event.ID]++
	}
	r.requests = append(r.requests, rq)
	r.mu.Unlock()
	switch answer {
	case "500":
		http.Error(w, "receiver is down", http.StatusInternalServerError)
	case "long500":
		http.Error(w, strings.Repeat("x", 10_000), http.StatusInternalServerError)
	case "drop":
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.(*net.TCPConn).SetLinger(0)
			conn.Close()
		}
	case "block":
		close(r.blocked)
		<-req.Context().Done()
	default:
		if rq.sigErr != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// verifyAsDocumented checks a signature the way docs/webhooks.md tells a
// receiver to, without the package's code: HMAC-SHA256 keyed with the
// secret over "<t>.<body>", hex in v1, t within five minutes.
func verifyAsDocumented(secret, header string, body []byte, now func() time.Time) error {
	if now == nil {
		now = time.Now
	}
	var ts, v1 string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			v1 = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("no timestamp in %q", header)
	}
	if d := now().Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("timestamp %s is %s away", ts, d)
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	if want := hex.EncodeToString(m.Sum(nil)); !hmac.Equal([]byte(want), []byte(v1)) {
		return fmt.Errorf("v1 %q, want %q", v1, want)
	}
	return nil
}

func (r *receiver) got() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.requests...)
}

func (r *receiver) acceptedCounts() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for k, v := range r.accepted {
		out[k] = v
	}
	return out
}

func testKeyring(t *testing.T) *secrets.Keyring {
	k, err := secrets.NewKeyring(secrets.Key{ID: "test", Secret: make([]byte, secrets.KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// fast retries: the backoff and window tests set are milliseconds.
func fastOptions(s store.Store, k *secrets.Keyring) webhook.Options {
	return webhook.Options{Store: s, Keyring: k, AllowPrivate: true, Backoff: func(int) time.Duration { return 20 * time.Millisecond }}
}

func newService(t *testing.T, o webhook.Options) *webhook.Service {
	if o.Queue == nil {
		// As the server does: the service enqueues through a client that
		// only inserts, whatever works its jobs (startJobs).
		q, err := jobs.New(context.Background(), jobs.Options{Store: o.Store.(jobs.Store), InsertOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		o.Queue = q
	}
	svc, err := webhook.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// startJobs runs River with the webhook worker on s; stop ends it (also
// at cleanup).
func startJobs(t *testing.T, s store.Store, svc *webhook.Service) (stop func(), c *jobs.Client) {
	t.Helper()
	c, err := jobs.New(context.Background(), jobs.Options{Store: s, FetchPollInterval: 100 * time.Millisecond,
		Register: func(w *river.Workers) { webhook.Register(w, svc) },
		Queues:   webhook.Queues(jobs.DefaultQueues())})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			if err := c.Close(ctx); err != nil {
				t.Logf("stop jobs: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop, c
}

// waitJobsDone waits until no webhook job is waiting or running.
func waitJobsDone(t *testing.T, s store.Store) {
	t.Helper()
	testkit.EventuallyWith(t, 30*time.Second, "the webhook jobs to end", func() (bool, string) {
		var n int
		err := s.DB().QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'webhook_deliver'
			AND state NOT IN ('completed', 'discarded', 'cancelled')`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n == 0, fmt.Sprintf("%d still open", n)
	})
}

func mustUser(t *testing.T, s store.Store, email string) store.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), store.NewUser{Email: email, PasswordHash: "$argon2id$x", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// waitDeliveries polls an endpoint's deliveries until ok says they are
// done, or fails after a deadline.
func waitDeliveries(t *testing.T, svc *webhook.Service, userID, endpointID int64, ok func([]store.WebhookDelivery) bool) []store.WebhookDelivery {
	t.Helper()
	var list []store.WebhookDelivery
	testkit.EventuallyWith(t, 30*time.Second, "the deliveries", func() (bool, string) {
		var err error
		list, err = svc.Deliveries(context.Background(), userID, endpointID, 200)
		if err != nil {
			t.Fatal(err)
		}
		return ok(list), fmt.Sprintf("%+v", list)
	})
	return list
}

func allIn(state string, n int) func([]store.WebhookDelivery) bool {
	return func(list []store.WebhookDelivery) bool {
		if len(list) != n {
			return false
		}
		for _, d := range list {
			if d.State != state {
				return false
			}
		}
		return true
	}
}
