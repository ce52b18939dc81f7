package campaign_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/gotd/td/crypto"
	gotd "github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"
	"github.com/riverqueue/river"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/campaign/campaigntest"
	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/telegram"
	"github.com/telegramate/telegramate/internal/testkit"
)

// Each test has its own sandbox (scripted replies and daily limits are the
// sandbox's memory) and its own database.
var world *sandbox.World

// The world's sending accounts.
var (
	sam = campaigntest.Account{APIID: 2100001, APIHash: "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1", Phone: "9996610001", TGUserID: 7001, First: "Sam"}
	sid = campaigntest.Account{APIID: 2100002, APIHash: "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2", Phone: "9996620002", TGUserID: 7002, First: "Sid"}
	sue = campaigntest.Account{APIID: 2100003, APIHash: "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3", Phone: "9996630003", TGUserID: 7003, First: "Sue"}
)

// Chats of the world.
const (
	chatMeetup = 9001 // the listed people below, all three senders in it
	chatCrowd  = 9002 // 200 generated people and the senders
)

// People of the meetup group.
const (
	ann    = 8001 // replies "Thanks, sounds good!"
	bruno  = 8002 // Cyrillic name
	emoji  = 8003 // an emoji in the first name
	miriam = 8004 // Hebrew (right-to-left) name
	dan    = 8005 // replies "STOP"
	pia    = 8006 // refuses strangers
	bo     = 8007 // blocks everyone
	bot    = 8008
	gone   = 8009 // deleted account
	zed    = 8010 // no first name
)

const worldJSON = `{
  "dcs": [1],
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
    {"id": 8002, "first_name": "Бруно", "last_name": "Петров", "username": "bruno"},
    {"id": 8003, "first_name": "😀 Joy", "username": "joy_fan"},
    {"id": 8004, "first_name": "מרים", "last_name": "כהן"},
    {"id": 8005, "first_name": "Dan", "username": "dan_stops", "reply": "STOP"},
    {"id": 8006, "first_name": "Pia", "privacy_strangers": "deny"},
    {"id": 8007, "first_name": "Bo", "blocks_everyone": true},
    {"id": 8008, "first_name": "Helper", "username": "helper_bot", "bot": true},
    {"id": 8009, "first_name": "Gone", "deleted": true},
    {"id": 8010, "last_name": "Zed", "username": "zed_z"}
  ],
  "chats": [
    {"id": 9001, "type": "supergroup", "title": "Meetup", "creator": 7001,
     "members": [7001, 7002, 7003, 8001, 8002, 8003, 8004, 8005, 8006, 8007, 8008, 8009, 8010]},
    {"id": 9002, "type": "supergroup", "title": "Crowd", "creator": 7001, "members": [7001, 7002, 7003],
     "generate_members": {"count": 200, "seed": 42}}
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

// env is one test's product: a fresh database, the real accounts,
// extraction and campaign services, and River working their jobs.
type env struct {
	t    testing.TB
	sbx  *sandbox.Server
	st   store.Store
	keys *secrets.Keyring
	acc  *accounts.Service
	ext  *extract.Service
	svc  *campaign.Service
	in   *inbox.Service
	user int64
	ids  map[string]int64 // phone → account id
	jobs *jobs.Client
}

// tickEvery is the campaign tick in tests: short, so waits are short; 0
// runs no tick at all.
var tickEvery = 300 * time.Millisecond

var testKey = secrets.Key{ID: "test", Secret: bytes.Repeat([]byte{9}, secrets.KeySize)}

func newEnv(t *testing.T, st store.Store, o campaign.Options, accOpts ...func(*accounts.Options)) *env {
	t.Helper()
	e := newEnvFor(t, st, o, world, accOpts...)
	for _, a := range []campaigntest.Account{sam, sid, sue} {
		row, err := campaigntest.Connect(context.Background(), st, e.keys, e.sbx, e.user, a, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		e.ids[a.Phone] = row.ID
	}
	return e
}

func newEnvFor(t testing.TB, st store.Store, o campaign.Options, world *sandbox.World, accOpts ...func(*accounts.Options)) *env {
	t.Helper()
	ctx := context.Background()
	sbx, err := sandbox.Start(ctx, world, sandbox.Options{Listen: "127.0.0.1:0", Key: testkit.RSAKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sbx.Close() })
	keys, err := secrets.NewKeyring(testKey)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := telegram.New(telegram.Config{DCs: sbx.DCs(), PublicKeyPEM: sbx.PublicKeyPEM(), ConnectTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ao := accounts.Options{Store: st, Keyring: keys, Gateway: gw}
	for _, f := range accOpts {
		f(&ao)
	}
	acc, err := accounts.New(ao)
	if err != nil {
		t.Fatal(err)
	}
	// As the server does: the services enqueue through a client that only
	// inserts, built before them.
	queue, err := jobs.New(ctx, jobs.Options{Store: st, InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	ext, err := extract.New(extract.Options{Store: st, Accounts: acc, Queue: queue})
	if err != nil {
		t.Fatal(err)
	}
	o.Store, o.Accounts, o.Queue = st, acc, queue
	if os.Getenv("CAMPAIGN_TEST_LOG") != "" {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	svc, err := campaign.New(o)
	if err != nil {
		t.Fatal(err)
	}
	// As the server wires them: the inbox owns incoming messages, and
	// tells the campaigns of replies.
	in, err := inbox.New(inbox.Options{Store: st, Accounts: acc, Queue: queue, Replies: svc, Logger: o.Logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(acc.Close)
	u, err := st.CreateUser(ctx, store.NewUser{Email: "owner@example.com", PasswordHash: "x", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, sbx: sbx, st: st, keys: keys, acc: acc, ext: ext, svc: svc, in: in, user: u.ID, ids: map[string]int64{}}
	var periodic []*river.PeriodicJob
	if tickEvery > 0 {
		periodic = campaign.PeriodicJobs(tickEvery)
	}
	c, err := jobs.New(ctx, jobs.Options{
		Store: st, Logger: o.Logger,
		Register: func(w *river.Workers) {
			extract.Register(w, ext)
			campaign.Register(w, svc)
			inbox.Register(w, in)
		},
		Queues:            inbox.Queues(campaign.Queues(jobs.DefaultQueues())),
		PeriodicJobs:      periodic,
		FetchPollInterval: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// After the jobs start, as the server does.
	acc.Listen(ctx, in.Received)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		_ = c.Close(ctx) // stopJobs may have closed it already
	})
	e.jobs = c
	return e
}

// stopJobs stops this process's River client (another process takes over).
func (e *env) stopJobs() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := e.jobs.Close(ctx); err != nil {
		e.t.Fatalf("stop jobs: %v", err)
	}
}

// list extracts a chat with an account and returns the member list's id.
func (e *env) list(a campaigntest.Account, chat int64) int64 {
	e.t.Helper()
	x, err := e.ext.Start(context.Background(), e.user, extract.StartInput{AccountID: e.ids[a.Phone], ChatID: chat})
	if err != nil {
		e.t.Fatalf("extract %d: %v", chat, err)
	}
	testkit.EventuallyWith(e.t, 60*time.Second, fmt.Sprintf("the extraction of %d to end", chat), func() (bool, string) {
		x, err = e.ext.Get(context.Background(), e.user, x.ID)
		if err != nil {
			e.t.Fatal(err)
		}
		return x.Final(), fmt.Sprintf("%+v", x)
	})
	if x.Status != store.ExtractionCompleted {
		e.t.Fatalf("extraction of %d: %s %s", chat, x.Status, x.ErrorMessage)
	}
	return x.ListID
}

func (e *env) account(a campaigntest.Account) int64 { return e.ids[a.Phone] }

func (e *env) create(in campaign.CreateInput) campaign.View {
	e.t.Helper()
	if in.Name == "" {
		in.Name = "Test campaign"
	}
	v, err := e.svc.Create(context.Background(), e.user, in)
	if err != nil {
		e.t.Fatalf("create: %v", err)
	}
	return v
}

func (e *env) start(id int64) {
	e.t.Helper()
	if _, err := e.svc.Start(context.Background(), e.user, id); err != nil {
		e.t.Fatalf("start %d: %v", id, err)
	}
}

// waitFor polls the campaign until cond holds.
func (e *env) waitFor(id int64, what string, cond func(campaign.View) bool) campaign.View {
	e.t.Helper()
	var v campaign.View
	testkit.EventuallyWith(e.t, 90*time.Second, fmt.Sprintf("campaign %d: %s", id, what), func() (bool, string) {
		var err error
		v, err = e.svc.Get(context.Background(), e.user, id)
		if err != nil {
			e.t.Fatal(err)
		}
		return cond(v), fmt.Sprintf("%+v", v.Counts)
	})
	return v
}

func (e *env) waitDone(id int64) campaign.View {
	e.t.Helper()
	return e.waitFor(id, "completion", func(v campaign.View) bool { return v.Final() })
}

// waitDoneEvery polls the campaign's status alone, every d, until it ends.
func (e *env) waitDoneEvery(id int64, d time.Duration) campaign.View {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Minute)
	for {
		c, err := e.st.CampaignByID(context.Background(), e.user, id)
		if err != nil {
			e.t.Fatal(err)
		}
		if c.Status == store.CampaignCompleted || c.Status == store.CampaignCancelled || c.Status == store.CampaignPaused {
			v, err := e.svc.Get(context.Background(), e.user, id)
			if err != nil {
				e.t.Fatal(err)
			}
			return v
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("campaign %d did not end", id)
		}
		time.Sleep(d)
	}
}

func (e *env) dcList() dcs.List {
	var list dcs.List
	for id, addr := range e.sbx.DCs() {
		host, port, _ := net.SplitHostPort(addr)
		p, _ := strconv.Atoi(port)
		list.Options = append(list.Options, tg.DCOption{ID: id, IPAddress: host, Port: p})
	}
	return list
}

func (e *env) publicKeys() []gotd.PublicKey {
	keys, err := crypto.ParseRSAPublicKeys(e.sbx.PublicKeyPEM())
	if err != nil {
		e.t.Fatal(err)
	}
	return []gotd.PublicKey{{RSA: keys[0]}}
}

func newBenchRandomID() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.LittleEndian.Uint64(b[:])) | 1
}

func (e *env) deliveries(id int64) []campaign.DeliveryRow {
	e.t.Helper()
	var rows []campaign.DeliveryRow
	if err := e.svc.Deliveries(context.Background(), e.user, id, func(r campaign.DeliveryRow) error {
		rows = append(rows, r)
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	return rows
}

// sentBy lists what the sandbox delivered from a Telegram user, in order.
func (e *env) sentBy(from int64) []sandbox.Message {
	var out []sandbox.Message
	for _, m := range e.sbx.Messages() {
		if m.From == from && !m.Reply {
			out = append(out, m)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out
}

func intp(v int) *int { return &v }
