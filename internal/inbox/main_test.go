package inbox_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/campaign/campaigntest"
	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/media"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
	"github.com/telegramate/telegramate/internal/testkit"
)

var world *sandbox.World

// The world's accounts.
var (
	sam = campaigntest.Account{APIID: 2100001, APIHash: "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", Phone: "9996610001", TGUserID: 7001, First: "Sam"}
	sid = campaigntest.Account{APIID: 2100002, APIHash: "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2", Phone: "9996620002", TGUserID: 7002, First: "Sid"}
	sue = campaigntest.Account{APIID: 2100003, APIHash: "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3", Phone: "9996630003", TGUserID: 7003, First: "Sue"}
)

const chatMeetup = 9001

// People.
const (
	ann      = 8001 // replies "Thanks, sounds good!"
	bruno    = 8002 // replies "Tell me more"
	cora     = 8003 // replies "Yes please"
	dan      = 8005 // replies "STOP"
	quiet    = 8006 // never replies
	stranger = 8020 // not in any chat: writes first
	nulName  = 8022 // U+0000 in the first name, not in any chat
	farAway  = 8023 // on DC 2 (the accounts are on DC 1), not in any chat
)

const worldJSON = `{
  "dcs": [1, 2],
  "apps": [
    {"api_id": 2100001, "api_hash": "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"},
    {"api_id": 2100002, "api_hash": "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"},
    {"api_id": 2100003, "api_hash": "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"}
  ],
  "users": [
    {"id": 7001, "phone": "9996610001", "first_name": "Sam", "username": "sam_sends"},
    {"id": 7002, "phone": "9996620002", "first_name": "Sid"},
    {"id": 7003, "phone": "9996630003", "first_name": "Sue", "peer_flood_after": 1},
    {"id": 8001, "first_name": "Ann", "last_name": "Lee", "username": "ann_lee", "reply": "Thanks, sounds good!"},
    {"id": 8002, "first_name": "Bruno", "username": "bruno", "reply": "Tell me more"},
    {"id": 8003, "first_name": "Cora", "reply": "Yes please"},
    {"id": 8005, "first_name": "Dan", "username": "dan_stops", "reply": "STOP"},
    {"id": 8006, "first_name": "Quinn"},
    {"id": 8020, "first_name": "Stella", "last_name": "Ranger", "username": "stella_r"},
    {"id": 8021, "first_name": "Tom"},
    {"id": 8022, "first_name": "Nu\u0000ll", "username": "nul_writer"},
    {"id": 8023, "first_name": "Farah", "username": "farah_far", "dc": 2}
  ],
  "chats": [
    {"id": 9001, "type": "supergroup", "title": "Meetup", "creator": 7001,
     "members": [7001, 7002, 8001, 8002, 8003, 8005, 8006]}
  ],
  "limits": {"peer_flood_after": 100000}
}`

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	var err error
	if world, err = sandbox.ParseWorld([]byte(worldJSON)); err != nil {
		fmt.Fprintln(os.Stderr, "world:", err)
		os.Exit(1)
	}
	testkit.Main(m)
}

var testKey = secrets.Key{ID: "test", Secret: bytes.Repeat([]byte{9}, secrets.KeySize)}

// env is one test's product against its own sandbox.
type env struct {
	t    testing.TB
	sbx  *sandbox.Server
	st   store.Store
	keys *secrets.Keyring
	acc  *accounts.Service
	ext  *extract.Service
	camp *campaign.Service
	svc  *inbox.Service
	jobs *jobs.Client
	// media stores the files answers attach (the service's, when the
	// test gave none).
	media *media.Service
	user  int64
	ids   map[int64]int64 // Telegram user id → account id
	o     inbox.Options
	// setup runs on each new inbox service before its jobs start.
	setup []func(*inbox.Service)
	// tick is how often the periodic jobs run.
	tick time.Duration
	// dcs, when set, is what the product is configured with instead of
	// the sandbox's whole list.
	dcs DCs
}

// services is the product's services, wired as the server wires them.
type services struct {
	acc   *accounts.Service
	ext   *extract.Service
	camp  *campaign.Service
	svc   *inbox.Service
	jobs  *jobs.Client
	media *media.Service
}

func wire(ctx context.Context, st store.Store, keys *secrets.Keyring, sbx DCs, o inbox.Options, tick time.Duration, setup ...func(*inbox.Service)) (services, error) {
	var out services
	// A connection to another DC (a file kept there) is closed soon after
	// its use, so a test sees it closed.
	gw, err := telegram.New(telegram.Config{DCs: sbx.DCs(), PublicKeyPEM: sbx.PublicKeyPEM(), ConnectTimeout: 10 * time.Second,
		OtherDCIdle: 200 * time.Millisecond})
	if err != nil {
		return out, err
	}
	if os.Getenv("INBOX_TEST_LOG") != "" {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if out.acc, err = accounts.New(accounts.Options{Store: st, Keyring: keys, Gateway: gw, Logger: o.Logger}); err != nil {
		return out, err
	}
	// As the server does: the services enqueue through a client that only
	// inserts, built before them.
	queue, err := jobs.New(ctx, jobs.Options{Store: st, InsertOnly: true})
	if err != nil {
		return out, err
	}
	if out.ext, err = extract.New(extract.Options{Store: st, Accounts: out.acc, Queue: queue}); err != nil {
		return out, err
	}

	if o.Media == nil {
		if o.Media, err = media.New(media.Options{Store: st, Logger: o.Logger}); err != nil {
			return out, err
		}
	}
	out.media = o.Media
	if out.camp, err = campaign.New(campaign.Options{Store: st, Accounts: out.acc, Queue: queue, Logger: o.Logger, Media: o.Media}); err != nil {
		return out, err
	}
	o.Store, o.Accounts, o.Replies, o.Queue = st, out.acc, out.camp, queue
	if out.svc, err = inbox.New(o); err != nil {
		return out, err
	}
	for _, f := range setup {
		f(out.svc)
	}
	if out.jobs, err = jobs.New(ctx, jobs.Options{
		Store: st, Logger: o.Logger,
		Register: func(w *river.Workers) {
			extract.Register(w, out.ext)
			campaign.Register(w, out.camp)
			inbox.Register(w, out.svc)
		},
		Queues:            inbox.Queues(campaign.Queues(jobs.DefaultQueues())),
		PeriodicJobs:      append(campaign.PeriodicJobs(tick), inbox.PeriodicJobs(tick)...),
		FetchPollInterval: 100 * time.Millisecond,
		// A killed child's jobs come back soon (the kill test).
		RescueStuckJobsAfter: time.Minute,
	}); err != nil {
		return out, err
	}
	if err := out.jobs.Start(ctx); err != nil {
		return out, err
	}
	// After the jobs start, as the server does: their start gives up the
	// leases a previous process under this id left.
	out.acc.Listen(ctx, out.svc.Received)
	return out, nil
}

// DCs is the part of the sandbox the product is configured from.
type DCs interface {
	DCs() map[int]string
	PublicKeyPEM() []byte
}

func newEnv(t testing.TB, st store.Store, o inbox.Options, setup ...func(*inbox.Service)) *env {
	t.Helper()
	return newEnvTicking(t, st, o, 300*time.Millisecond, setup...)
}

// newEnvTicking is newEnv with the periodic jobs every tick.
func newEnvTicking(t testing.TB, st store.Store, o inbox.Options, tick time.Duration, setup ...func(*inbox.Service)) *env {
	t.Helper()
	ctx := context.Background()
	// A world of its own: starting a sandbox fills the world's defaults
	// in, and tests run side by side (storetest.Each).
	w, err := sandbox.ParseWorld([]byte(worldJSON))
	if err != nil {
		t.Fatal(err)
	}
	sbx, err := sandbox.Start(ctx, w, sandbox.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sbx.Close() })
	keys, err := secrets.NewKeyring(testKey)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Email: "owner@example.com", PasswordHash: "x", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, sbx: sbx, st: st, keys: keys, user: u.ID, ids: map[int64]int64{}, o: o, setup: setup, tick: tick}
	for _, a := range []campaigntest.Account{sam, sid, sue} {
		row, err := campaigntest.Connect(ctx, st, keys, sbx, u.ID, a, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		e.ids[a.TGUserID] = row.ID
	}
	e.start()
	return e
}

// start runs the product's services (again, after stop).
func (e *env) start() {
	e.t.Helper()
	var dcs DCs = e.sbx
	if e.dcs != nil {
		dcs = e.dcs
	}
	s, err := wire(context.Background(), e.st, e.keys, dcs, e.o, e.tick, e.setup...)
	if err != nil {
		e.t.Fatal(err)
	}
	e.acc, e.ext, e.camp, e.svc, e.jobs, e.media = s.acc, s.ext, s.camp, s.svc, s.jobs, s.media
	e.t.Cleanup(func() { e.stop() })
}

// stop stops the product's jobs: it is down until start.
func (e *env) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_ = e.jobs.Close(ctx)
	e.acc.Close()
}

func (e *env) account(tgUserID int64) int64 { return e.ids[tgUserID] }

// waitFor polls cond until it holds or a minute passes.
func (e *env) waitFor(what string, cond func() (bool, error)) {
	e.t.Helper()
	testkit.Eventually(e.t, time.Minute, what, func() bool {
		ok, err := cond()
		if err != nil {
			e.t.Fatalf("%s: %v", what, err)
		}
		return ok
	})
}

// conversationWith waits for the account's conversation with a person.
func (e *env) conversationWith(accountTG, person int64) inbox.Conversation {
	e.t.Helper()
	var out inbox.Conversation
	e.waitFor(fmt.Sprintf("a conversation of %d with %d", accountTG, person), func() (bool, error) {
		page, err := e.svc.List(context.Background(), e.user, inbox.Filter{AccountID: e.account(accountTG), Limit: inbox.MaxLimit})
		if err != nil {
			return false, err
		}
		for _, c := range page.Conversations {
			if c.TGUserID == person {
				out = c
				return true, nil
			}
		}
		return false, nil
	})
	return out
}

// thread is a conversation's messages, oldest first.
func (e *env) thread(id int64) []inbox.Message {
	e.t.Helper()
	page, err := e.svc.Messages(context.Background(), e.user, id, "", inbox.MaxLimit)
	if err != nil {
		e.t.Fatal(err)
	}
	out := make([]inbox.Message, 0, len(page.Messages))
	for i := len(page.Messages) - 1; i >= 0; i-- {
		out = append(out, page.Messages[i])
	}
	return out
}

// sentTo lists what the sandbox delivered from a Telegram user to another.
func (e *env) sentTo(from, to int64) []sandbox.Message {
	var out []sandbox.Message
	for _, m := range e.sbx.Messages() {
		if m.From == from && m.To == to && !m.Reply {
			out = append(out, m)
		}
	}
	return out
}

// list extracts the meetup chat with an account.
func (e *env) list(accountTG int64) int64 {
	e.t.Helper()
	x, err := e.ext.Start(context.Background(), e.user, extract.StartInput{AccountID: e.account(accountTG), ChatID: chatMeetup})
	if err != nil {
		e.t.Fatal(err)
	}
	e.waitFor("the extraction", func() (bool, error) {
		x, err = e.ext.Get(context.Background(), e.user, x.ID)
		return err == nil && x.Final(), err
	})
	if x.Status != store.ExtractionCompleted {
		e.t.Fatalf("extraction: %s %s", x.Status, x.ErrorMessage)
	}
	return x.ListID
}

func intp(v int) *int { return &v }
