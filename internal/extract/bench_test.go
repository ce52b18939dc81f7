package extract_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/session"
	gotd "github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/telegram/query"
	"github.com/gotd/td/tg"
	"github.com/riverqueue/river"

	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/telegram"
)

// The benchmark's world: one supergroup of exactly 100,000 members with
// the participant cap raised past them, so the whole list can be fetched.
const (
	benchMembers = 100_000
	benchChat    = 9001
	benchWorld   = `{
	  "apps": [{"api_id": 1234567, "api_hash": "0123456789abcdef0123456789abcdef"}],
	  "users": [
	    {"id": 1001, "phone": "9996611001", "first_name": "Ann"},
	    {"id": 1002, "phone": "9996611002", "first_name": "Bob"}
	  ],
	  "chats": [{"id": 9001, "type": "supergroup", "title": "Huge", "username": "huge_group", "creator": 1002,
	             "members": [1002, 1001], "generate_members": {"count": 99998, "seed": 42}}],
	  "limits": {"participants_cap": 200000}
	}`
)

type benchEnv struct {
	sbx     *sandbox.Server
	gw      *telegram.Gateway
	session telegram.Session
	keys    []gotd.PublicKey
	list    dcs.List
}

var (
	benchOnce sync.Once
	bench     benchEnv
	benchErr  error
)

func setupBench() (benchEnv, error) {
	benchOnce.Do(func() {
		w, err := sandbox.ParseWorld([]byte(benchWorld))
		if err != nil {
			benchErr = err
			return
		}
		if bench.sbx, err = sandbox.Start(context.Background(), w, sandbox.Options{Listen: "127.0.0.1:0"}); err != nil {
			benchErr = err
			return
		}
		if bench.gw, err = telegram.New(telegram.Config{DCs: bench.sbx.DCs(), PublicKeyPEM: bench.sbx.PublicKeyPEM()}); err != nil {
			benchErr = err
			return
		}
		ctx := context.Background()
		p, err := bench.gw.SendCode(ctx, creds, phoneAnn)
		if err != nil {
			benchErr = err
			return
		}
		res, err := bench.gw.SignIn(ctx, creds, phoneAnn, p, secrets.Secret("11111"))
		if err != nil {
			benchErr = err
			return
		}
		bench.session = res.Session
		rsa, err := crypto.ParseRSAPublicKeys(bench.sbx.PublicKeyPEM())
		if err != nil {
			benchErr = err
			return
		}
		for _, k := range rsa {
			bench.keys = append(bench.keys, gotd.PublicKey{RSA: k})
		}
		for id, addr := range bench.sbx.DCs() {
			var port int
			if _, err := fmt.Sscanf(addr, "127.0.0.1:%d", &port); err != nil {
				benchErr = err
				return
			}
			bench.list.Options = append(bench.list.Options, tg.DCOption{ID: id, IPAddress: "127.0.0.1", Port: port})
		}
	})
	return bench, benchErr
}

// benchAccounts runs on the benchmark's session through the gateway.
type benchAccounts struct{ env benchEnv }

func (a benchAccounts) Use(ctx context.Context, _, _ int64, fn func(ctx context.Context, api *tg.Client) error, opts ...telegram.RunOption) error {
	_, err := a.env.gw.Run(ctx, creds, a.env.session, fn, opts...)
	return err
}

func (benchAccounts) Owned(context.Context, int64, int64) error { return nil }

func (benchAccounts) Usable(context.Context, int64, int64) error { return nil }

func (benchAccounts) LogActivity(context.Context, int64, int64, string, string, string) error {
	return nil
}

// heapPeak is the largest heap in use (garbage not yet collected
// included) and the largest live heap (what the last GC kept) seen.
type heapPeak struct{ inuse, live uint64 }

// peakHeap samples the heap until stop.
func peakHeap(stop <-chan struct{}) <-chan heapPeak {
	out := make(chan heapPeak, 1)
	go func() {
		var p heapPeak
		var ms runtime.MemStats
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			metrics.Read(live)
			p.inuse = max(p.inuse, ms.HeapInuse)
			p.live = max(p.live, live[0].Value.Uint64())
			select {
			case <-stop:
				out <- p
				return
			case <-t.C:
			}
		}
	}()
	return out
}

// idleHeap collects garbage and returns the heap in use, then live.
func idleHeap() heapPeak {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(live)
	return heapPeak{ms.HeapInuse, live[0].Value.Uint64()}
}

// growth is how far p went above idle.
func (p heapPeak) growth(idle heapPeak) heapPeak {
	g := heapPeak{}
	if p.inuse > idle.inuse {
		g.inuse = p.inuse - idle.inuse
	}
	if p.live > idle.live {
		g.live = p.live - idle.live
	}
	return g
}

func (p heapPeak) max(q heapPeak) heapPeak {
	return heapPeak{max(p.inuse, q.inuse), max(p.live, q.live)}
}

// BenchmarkExtract100k extracts a 100,000-member supergroup through River
// into SQLite and into PostgreSQL, against a plain gotd participants
// iterator over the same sandbox with the same session, and reports both
// times, their ratio, the getParticipants calls and the heap's peak growth
// over the idle process.
func BenchmarkExtract100k(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		st, err := storeopen.Open(context.Background(), storeopen.Options{DataDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		benchExtract(b, st, "", 0)
	})
	b.Run("postgres", func(b *testing.B) {
		st, url := storetest.PostgresURL(b)
		benchExtract(b, st, url, 0)
	})
}

// BenchmarkExtract100kWithLatency is BenchmarkExtract100k with every
// sandbox answer delayed by a round trip like one to Telegram (20 ms; real
// ones are 20–200 ms), for both the extraction and the plain iterator: how
// the two compare when Telegram, not the machine, sets the pace. 500 pages
// take at least 10 s each way.
func BenchmarkExtract100kWithLatency(b *testing.B) {
	const rtt = 20 * time.Millisecond
	b.Run("sqlite", func(b *testing.B) {
		st, err := storeopen.Open(context.Background(), storeopen.Options{DataDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		benchExtract(b, st, "", rtt)
	})
	b.Run("postgres", func(b *testing.B) {
		st, url := storetest.PostgresURL(b)
		benchExtract(b, st, url, rtt)
	})
}

// benchExtract runs River as the server does (its default poll interval;
// on PostgreSQL, listening through databaseURL), so the extraction's time
// is what a user waits for from Start until it reads completed.
func benchExtract(b *testing.B, st store.Store, databaseURL string, latency time.Duration) {
	env, err := setupBench()
	if err != nil {
		b.Fatal(err)
	}
	env.sbx.SetLatency(latency)
	defer env.sbx.SetLatency(0)
	ctx := context.Background()
	u, err := st.CreateUser(ctx, store.NewUser{Email: "bench@example.com", PasswordHash: "x", Now: time.Now()})
	if err != nil {
		b.Fatal(err)
	}
	acct, err := st.CreateAccount(ctx, u.ID, store.AccountLogin{APIID: 1, APIHashSealed: []byte("h"), Phone: phoneAnn, SessionSealed: []byte("s"), Now: time.Now()})
	if err != nil {
		b.Fatal(err)
	}
	queue, err := jobs.New(ctx, jobs.Options{Store: st, InsertOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	svc, err := extract.New(extract.Options{Store: st, Accounts: benchAccounts{env}, Queue: queue})
	if err != nil {
		b.Fatal(err)
	}
	jc, err := jobs.New(ctx, jobs.Options{Store: st, DatabaseURL: databaseURL, Register: func(w *river.Workers) { extract.Register(w, svc) }})
	if err != nil {
		b.Fatal(err)
	}
	if err := jc.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer jc.Close(ctx)
	if err := st.ReplaceAccountChats(ctx, acct.ID, []store.Chat{{
		TGChatID: benchChat, AccessHash: channelHash(b, env), Kind: store.ChatSupergroup, Title: "Huge", MembersCount: benchMembers,
	}}, time.Now()); err != nil {
		b.Fatal(err)
	}

	var plain, ours, floor time.Duration
	var peak heapPeak
	exportPeak, exportBytes, exportTime := map[string]heapPeak{}, map[string]int64{}, map[string]time.Duration{}
	var calls int64
	b.ResetTimer()
	for range b.N {
		// The plain gotd loop: fetch every page, keep nothing.
		start := time.Now()
		n, err := plainIterator(ctx, env)
		plain += time.Since(start)
		if err != nil || n != benchMembers {
			b.Fatalf("plain iterator: %d members, %v", n, err)
		}

		idle := idleHeap()
		stop := make(chan struct{})
		peakCh := peakHeap(stop)
		before := env.sbx.Counts()["channels.getParticipants"]
		start = time.Now()
		x, err := svc.Start(ctx, u.ID, extract.StartInput{AccountID: acct.ID, ChatID: benchChat})
		if err != nil {
			b.Fatal(err)
		}
		for !x.Final() {
			time.Sleep(2 * time.Millisecond)
			if x, err = svc.Get(ctx, u.ID, x.ID); err != nil {
				b.Fatal(err)
			}
		}
		ours += time.Since(start)
		close(stop)
		peak = peak.max((<-peakCh).growth(idle))
		atomic.StoreInt64(&calls, int64(env.sbx.Counts()["channels.getParticipants"]-before))
		if x.Status != store.ExtractionCompleted || x.Fetched != benchMembers || x.Partial {
			b.Fatalf("extraction %+v", x)
		}
		if want := (benchMembers + 199) / 200; calls != int64(want) {
			b.Fatalf("%d getParticipants calls, want %d", calls, want)
		}
		if latency > 0 {
			continue // the store and the exports do not wait for Telegram
		}
		d, err := storeFloor(ctx, st, u.ID, acct.ID, x.ListID)
		if err != nil {
			b.Fatal(err)
		}
		floor += d
		for _, format := range []string{extract.FormatCSV, extract.FormatJSON, extract.FormatXLSX} {
			idle := idleHeap()
			stop := make(chan struct{})
			peakCh := peakHeap(stop)
			var w countingWriter
			start := time.Now()
			if err := svc.Export(ctx, u.ID, x.ListID, store.MemberFilter{Sort: store.SortName}, format, &w); err != nil {
				b.Fatal(err)
			}
			close(stop)
			exportPeak[format] = exportPeak[format].max((<-peakCh).growth(idle))
			exportBytes[format] = w.n
			exportTime[format] += time.Since(start)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(ours.Milliseconds())/float64(b.N), "extract-ms/op")
	b.ReportMetric(float64(plain.Milliseconds())/float64(b.N), "gotd-ms/op")
	b.ReportMetric(float64(ours)/float64(plain), "ratio")
	if floor > 0 {
		b.ReportMetric(float64(floor.Milliseconds())/float64(b.N), "store-only-ms/op")
		b.ReportMetric(float64(floor)/float64(plain), "store-only-ratio")
	}
	b.ReportMetric(float64(calls), "calls/op")
	b.ReportMetric(float64(peak.inuse)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(peak.live)/(1<<20), "peak-live-MB")
	for f, p := range exportPeak {
		b.ReportMetric(float64(p.inuse)/(1<<20), f+"-export-peak-heap-MB")
		b.ReportMetric(float64(p.live)/(1<<20), f+"-export-peak-live-MB")
		b.ReportMetric(float64(exportBytes[f])/(1<<20), f+"-export-MB")
		b.ReportMetric(float64(exportTime[f].Milliseconds())/float64(b.N), f+"-export-ms")
	}
}

// storeFloor times the store alone writing the same 100,000 members
// through a fresh extraction, as the run does (pages of 200, up to
// MaxPagesPerSave of them per transaction with their checkpoint), with no
// Telegram and no River: the least any extraction into this store can take.
func storeFloor(ctx context.Context, st store.Store, userID, accountID, listID int64) (time.Duration, error) {
	var members []store.Member
	if err := st.ScanMembers(ctx, listID, store.MemberFilter{}, func(m store.Member) error {
		members = append(members, m)
		return nil
	}); err != nil {
		return 0, err
	}
	e, err := st.CreateExtraction(ctx, store.NewExtraction{
		UserID: userID, AccountID: accountID, ListName: "floor",
		Chat: store.Chat{TGChatID: benchChat, Kind: store.ChatSupergroup, Title: "Huge"}, Now: time.Now(),
	})
	if err != nil {
		return 0, err
	}
	if _, err := st.StartExtractionRun(ctx, e.ID, "floor", time.Now()); err != nil {
		return 0, err
	}
	const batch = 200 * extract.MaxPagesPerSave
	start := time.Now()
	for i := 0; i < len(members); i += batch {
		end := min(i+batch, len(members))
		cp := store.Checkpoint{ExtractionID: e.ID, RunToken: "floor", Phase: "recent", PhaseOffset: end, Total: len(members), Now: time.Now()}
		if err := st.InTx(ctx, func(tx store.Tx) error {
			_, err := tx.SaveMembersPage(ctx, cp, members[i:end])
			return err
		}); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// countingWriter discards what it is given, counting it.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

// plainIterator is gotd's own participants iterator on a client built
// straight from the session: the baseline.
func plainIterator(ctx context.Context, env benchEnv) (int, error) {
	st := &session.StorageMemory{}
	if err := st.StoreSession(ctx, env.session); err != nil {
		return 0, err
	}
	c := gotd.NewClient(creds.APIID, creds.APIHash.Reveal(), gotd.Options{
		PublicKeys: env.keys, DC: 1, DCList: env.list, SessionStorage: st, NoUpdates: true,
	})
	n := 0
	err := c.Run(ctx, func(ctx context.Context) error {
		it := query.GetParticipants(c.API(), &tg.InputChannel{ChannelID: benchChat, AccessHash: benchAccessHash}).BatchSize(200).Iter()
		for it.Next(ctx) {
			n++
		}
		return it.Err()
	})
	return n, err
}

var benchAccessHash int64

// channelHash resolves the supergroup once for its access hash.
func channelHash(b *testing.B, env benchEnv) int64 {
	err := benchAccounts{env}.Use(context.Background(), 0, 0, func(ctx context.Context, api *tg.Client) error {
		res, err := api.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: "huge_group"})
		if err != nil {
			return err
		}
		benchAccessHash = res.Chats[0].(*tg.Channel).AccessHash
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return benchAccessHash
}
