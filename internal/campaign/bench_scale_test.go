package campaign_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/campaign/campaigntest"
	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/telegram"
)

// The scale benchmarks run for minutes of wall time by design (the pace is
// 10 s): only -bench runs them, and these flags size them.
var (
	scaleDuration = flag.Duration("scale.duration", 3*time.Minute, "how long the scale and pacing benchmarks send")
	scaleAccounts = flag.Int("scale.accounts", 1000, "how many sandbox accounts send at once in the scale and pacing benchmarks")
	scaleLog      = flag.Bool("scale.log", false, "log the campaign service's warnings and errors to stderr in the scale and pacing benchmarks")
	scaleEngines  = flag.String("scale.engines", "sqlite,postgres", "the stores the scale and pacing benchmarks run on")
)

// scaleInterval is each account's minimum interval in the scale figure.
const scaleInterval = 10 * time.Second

// scaleWorld has n sending accounts (an app each: one account per API ID)
// and perAccount recipients for each of them, all generated accounts with
// usernames anyone may write to.
func scaleWorld(b *testing.B, n, recipients int) (*sandbox.World, []campaigntest.Account, []string) {
	b.Helper()
	type app struct {
		APIID   int64  `json:"api_id"`
		APIHash string `json:"api_hash"`
	}
	const firstPhone, firstID = 9996630000, 6_000_000_000
	w := map[string]any{
		"dcs": []int{1},
		"generate_accounts": map[string]any{"count": n + recipients, "seed": 11,
			"first_phone": fmt.Sprint(firstPhone), "first_id": firstID, "dc": 1},
		"limits": map[string]any{"peer_flood_after": 10_000_000},
	}
	var apps []app
	var accts []campaigntest.Account
	for i := range n {
		a := campaigntest.Account{APIID: int64(2_300_001 + i), APIHash: fmt.Sprintf("%032x", 0x5ca1e0000+i),
			Phone: fmt.Sprint(firstPhone + i), TGUserID: int64(firstID + i), First: fmt.Sprintf("Sender %d", i)}
		accts = append(accts, a)
		apps = append(apps, app{a.APIID, a.APIHash})
	}
	w["apps"] = apps
	raw, err := json.Marshal(w)
	if err != nil {
		b.Fatal(err)
	}
	world, err := sandbox.ParseWorld(raw)
	if err != nil {
		b.Fatal(err)
	}
	names := make([]string, 0, recipients)
	for i := range recipients {
		names = append(names, fmt.Sprintf("acct%d", firstPhone+n+i))
	}
	return world, accts, names
}

// scaleEnv is one node of the product as `telegramate serve` builds it
// (River's default polling, the production tick and run budgets) against
// a sandbox in the same process.
type scaleEnv struct {
	b       *testing.B
	sbx     *sandbox.Server
	st      store.Store
	svc     *campaign.Service
	jobs    *jobs.Client
	user    int64
	senders []int64
}

func newScaleEnv(b *testing.B, st store.Store, databaseURL string, world *sandbox.World, accts []campaigntest.Account, resolveBudget int) *scaleEnv {
	b.Helper()
	ctx := context.Background()
	sbx, err := sandbox.Start(ctx, world, sandbox.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sbx.Close() })
	keys, err := secrets.NewKeyring(testKey)
	if err != nil {
		b.Fatal(err)
	}
	gw, err := telegram.New(telegram.Config{DCs: sbx.DCs(), PublicKeyPEM: sbx.PublicKeyPEM(), ConnectTimeout: 30 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	acc, err := accounts.New(accounts.Options{Store: st, Keyring: keys, Gateway: gw})
	if err != nil {
		b.Fatal(err)
	}
	queue, err := jobs.New(ctx, jobs.Options{Store: st, InsertOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	o := campaign.Options{Store: st, Accounts: acc, Queue: queue, ResolveBudget: resolveBudget}
	if *scaleLog {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	svc, err := campaign.New(o)
	if err != nil {
		b.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Email: "scale@example.com", PasswordHash: "x", Now: time.Now()})
	if err != nil {
		b.Fatal(err)
	}
	e := &scaleEnv{b: b, sbx: sbx, st: st, svc: svc, user: u.ID}
	for _, a := range accts {
		row, err := campaigntest.Connect(ctx, st, keys, sbx, u.ID, a, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		e.senders = append(e.senders, row.ID)
	}
	jo := jobs.Options{
		Store:        st,
		DatabaseURL:  databaseURL, // PostgreSQL's LISTEN, as the server runs River
		Register:     func(w *river.Workers) { campaign.Register(w, svc) },
		Queues:       campaign.Queues(jobs.DefaultQueues()),
		PeriodicJobs: campaign.PeriodicJobs(campaign.TickEvery),
	}
	c, err := jobs.New(ctx, jo)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.stop() })
	e.jobs = c
	return e
}

func (e *scaleEnv) stop() {
	// The senders sleep holding their accounts: cancel them rather than
	// wait (an interrupted send goes again with its random_id).
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = e.jobs.StopAndCancel(ctx) // the second call (cleanup) finds it stopped
}

// campaign creates a campaign from every sender to the given usernames,
// its name in every message (scaleJudge reads the interval from it).
func (e *scaleEnv) campaign(name string, interval time.Duration, usernames []string) campaign.View {
	e.b.Helper()
	v, err := e.svc.Create(context.Background(), e.user, campaign.CreateInput{
		Name: name, Message: "Hi {first_name|there}, " + name + ".",
		Audience:         campaign.Audience{Usernames: usernames},
		SenderAccountIDs: e.senders,
		Pacing:           campaign.PacingInput{MinIntervalSeconds: intp(int(interval / time.Second)), DailyCap: intp(10_000)},
	})
	if err != nil {
		e.b.Fatalf("create %s: %v", name, err)
	}
	if v.Recipients != len(usernames) {
		e.b.Fatalf("%s has %d recipients, want %d", name, v.Recipients, len(usernames))
	}
	return v
}

// scaleHeap samples the heap while the benchmark sends.
type scaleHeap struct {
	base, peak, end uint64
	goroutines      int
	stop            chan struct{}
	done            sync.WaitGroup
}

func scaleHeapStart() *scaleHeap {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	h := &scaleHeap{base: m.HeapAlloc, peak: m.HeapAlloc, stop: make(chan struct{})}
	h.done.Add(1)
	go func() {
		defer h.done.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&m)
				h.peak = max(h.peak, m.HeapAlloc)
				h.goroutines = max(h.goroutines, runtime.NumGoroutine())
			}
		}
	}()
	return h
}

func (h *scaleHeap) finish() {
	close(h.stop)
	h.done.Wait()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	h.end = m.HeapAlloc
}

// scaleVerdict is what the sandbox's record says of one run.
type scaleVerdict struct {
	sends            int
	accounts         int // accounts that sent at least once
	lateness         []time.Duration
	firstLate        time.Duration // the latest first send after the start
	paceViolations   []string
	floodViolations  []string
	floods           int           // FLOOD_WAITs that fired
	lateAfterFlood   time.Duration // the latest send after its FLOOD_WAIT ended
	minGap           time.Duration
	lateAccountsOver int // accounts with a send more than 1 s late
	// timeline is the latest send of each 10 s since the start, for
	// finding when sends run late.
	timeline []time.Duration
}

// scaleJudge reads the sandbox's record of the sends of the senders
// between start and end: each send's lateness against its account's
// schedule (the start, then the previous send plus the interval, or the
// end of a FLOOD_WAIT), any two sends of an account closer than the
// interval, and any send or call inside a FLOOD_WAIT.
func scaleJudge(sbx *sandbox.Server, accts []campaigntest.Account, intervals map[string]time.Duration, start, end time.Time) scaleVerdict {
	senders := map[int64]bool{}
	for _, a := range accts {
		senders[a.TGUserID] = true
	}
	type sent struct {
		date     time.Time
		interval time.Duration
	}
	by := map[int64][]sent{}
	for _, m := range sbx.Messages() {
		if senders[m.From] && !m.Reply && !m.Date.After(end) {
			iv := scaleInterval
			for name, d := range intervals {
				if strings.HasSuffix(m.Text, name+".\n\nReply STOP to stop receiving messages") {
					iv = d
				}
			}
			by[m.From] = append(by[m.From], sent{m.Date, iv})
		}
	}
	type flood struct{ from, until time.Time }
	floods := map[int64][]flood{}
	inside := map[int64][]sandbox.FaultHit{}
	for _, h := range sbx.FaultHits() {
		if !senders[h.UserID] || !strings.HasPrefix(h.Error, "FLOOD_WAIT_") {
			continue
		}
		var secs int
		fmt.Sscanf(strings.TrimPrefix(h.Error, "FLOOD_WAIT_"), "%d", &secs)
		fl := floods[h.UserID]
		if n := len(fl); n > 0 && h.Time.Before(fl[n-1].until) {
			inside[h.UserID] = append(inside[h.UserID], h) // a call Telegram refused inside the wait
			continue
		}
		floods[h.UserID] = append(fl, flood{h.Time, h.Time.Add(time.Duration(secs) * time.Second)})
	}
	v := scaleVerdict{minGap: time.Duration(math.MaxInt64)}
	for _, a := range accts {
		dates := by[a.TGUserID]
		slices.SortFunc(dates, func(x, y sent) int { return x.date.Compare(y.date) })
		v.sends += len(dates)
		if len(dates) > 0 {
			v.accounts++
			v.firstLate = max(v.firstLate, dates[0].date.Sub(start))
		}
		for _, h := range inside[a.TGUserID] {
			v.floodViolations = append(v.floodViolations, fmt.Sprintf("account %s called %s at %s inside a FLOOD_WAIT (%s)",
				a.Phone, h.Method, h.Time.Format(time.RFC3339Nano), h.Error))
		}
		fl := floods[a.TGUserID]
		v.floods += len(fl)
		late := false
		sched := start
		for i, m := range dates {
			d := m.date
			// Two messages of an account are at least the larger of
			// their campaigns' intervals apart.
			need := m.interval
			if i > 0 {
				need = max(need, dates[i-1].interval)
				sched = dates[i-1].date.Add(need)
			}
			after := false
			for _, f := range fl {
				if d.After(f.from) && d.Before(f.until) {
					v.floodViolations = append(v.floodViolations, fmt.Sprintf("account %s sent at %s inside the FLOOD_WAIT from %s to %s",
						a.Phone, d.Format(time.RFC3339Nano), f.from.Format(time.RFC3339Nano), f.until.Format(time.RFC3339Nano)))
				}
				if !f.from.Before(sched) && f.from.Before(d) {
					// The wait came between the schedule and this send:
					// the send is due when the wait ends.
					if f.until.After(sched) {
						sched = f.until
					}
					after = true
				}
			}
			if i > 0 {
				gap := d.Sub(dates[i-1].date)
				v.minGap = min(v.minGap, gap)
				if gap < need {
					v.paceViolations = append(v.paceViolations, fmt.Sprintf("account %s sent %v after its previous message, interval %v",
						a.Phone, gap, need))
				}
			}
			if i == 0 {
				// The first round is the start's (firstLate); the figure
				// is every send after it.
				continue
			}
			l := max(d.Sub(sched), 0)
			if after {
				v.lateAfterFlood = max(v.lateAfterFlood, l)
			} else {
				v.lateness = append(v.lateness, l)
				if b := int(sched.Sub(start) / scaleInterval); b >= 0 {
					for len(v.timeline) <= b {
						v.timeline = append(v.timeline, 0)
					}
					v.timeline[b] = max(v.timeline[b], l)
				}
				if l > time.Second {
					late = true
				}
			}
		}
		if late {
			v.lateAccountsOver++
		}
	}
	slices.Sort(v.lateness)
	return v
}

func (v scaleVerdict) quantile(q float64) time.Duration {
	if len(v.lateness) == 0 {
		return 0
	}
	return v.lateness[min(len(v.lateness)-1, int(q*float64(len(v.lateness))))]
}

// BenchmarkCampaignScale is the scale figure: 1,000 sandbox
// accounts (sessions the sandbox issues, no key exchange) send one
// campaign at once from one node at a 10 s interval for -scale.duration
// (3 minutes); the heap may grow by less than 512 MB and every send after
// the first round must leave within 1 s of its account's schedule (the
// first round is reported apart), judged from the sandbox's
// record (when it accepted each message). Recipients are given by
// username, so each send also resolves its recipient first.
//
//	go test -run XXX -bench CampaignScale -benchtime 1x -timeout 60m ./internal/campaign/ -scale.duration 3m
func BenchmarkCampaignScale(b *testing.B) {
	for _, engine := range strings.Split(*scaleEngines, ",") {
		b.Run(engine, func(b *testing.B) { scaleRun(b, engine, false) })
	}
}

// BenchmarkCampaignPacing is the pacing figure: two campaigns
// share every account (10 s interval each) while one account in 20 gets a
// FLOOD_WAIT of 20 s after its second message; judged from the sandbox's
// record, no account sends twice within 10 s, and none sends (or calls
// sendMessage again) inside its FLOOD_WAIT.
//
//	go test -run XXX -bench CampaignPacing -benchtime 1x -timeout 60m ./internal/campaign/ -scale.duration 3m
func BenchmarkCampaignPacing(b *testing.B) {
	for _, engine := range strings.Split(*scaleEngines, ",") {
		b.Run(engine, func(b *testing.B) { scaleRun(b, engine, true) })
	}
}

const scaleFloodWait = 20 * time.Second

func scaleRun(b *testing.B, engine string, pacing bool) {
	var (
		st  store.Store
		url string
	)
	switch engine {
	case "sqlite":
		st = storetest.SQLite(b)
	case "postgres":
		st, url = storetest.PostgresURL(b)
	default:
		b.Fatalf("-scale.engines: unknown engine %q (sqlite, postgres)", engine)
	}
	n, dur := *scaleAccounts, *scaleDuration
	// Enough recipients per account and campaign that none runs out
	// before the end.
	per := int(dur/scaleInterval) + 3
	camps := 1
	if pacing {
		camps = 2
	}
	world, accts, names := scaleWorld(b, n, n*per*camps)
	e := newScaleEnv(b, st, url, world, accts, per)
	// The pacing figure's second campaign has a longer interval: the
	// account's messages must keep the larger one whichever sent first.
	intervals := map[string]time.Duration{"scale 1": scaleInterval, "scale 2": scaleInterval * 3 / 2}
	var ids []int64
	for i := range camps {
		name := fmt.Sprintf("scale %d", i+1)
		ids = append(ids, e.campaign(name, intervals[name], names[i*n*per:(i+1)*n*per]).ID)
	}
	if pacing {
		for i := 0; i < n; i += 20 {
			if err := e.sbx.SetFault(sandbox.Fault{Method: "messages.sendMessage", After: 2,
				Error: fmt.Sprintf("FLOOD_WAIT_%d", int(scaleFloodWait/time.Second)), Phone: accts[i].Phone}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	for range b.N {
		heap := scaleHeapStart()
		start := time.Now()
		for _, id := range ids {
			if _, err := e.svc.Start(context.Background(), e.user, id); err != nil {
				b.Fatal(err)
			}
		}
		time.Sleep(dur) // the figure is about what happens over this time
		end := time.Now()
		heap.finish()
		e.stop()
		v := scaleJudge(e.sbx, accts, intervals, start, end)
		b.ReportMetric(float64(v.sends), "sends")
		b.ReportMetric(float64(v.accounts), "accounts_sent")
		b.ReportMetric(v.quantile(0.99).Seconds(), "p99_late_s")
		b.ReportMetric(v.quantile(1).Seconds(), "max_late_s")
		b.ReportMetric(v.firstLate.Seconds(), "first_send_late_s")
		b.ReportMetric(float64(v.lateAccountsOver), "accounts_late_over_1s")
		b.ReportMetric(float64(heap.peak-min(heap.peak, heap.base))/(1<<20), "heap_peak_growth_MB")
		b.ReportMetric(float64(int64(heap.end)-int64(heap.base))/(1<<20), "heap_end_growth_MB")
		b.ReportMetric(float64(heap.goroutines), "goroutines")
		b.ReportMetric(v.minGap.Seconds(), "min_gap_s")
		b.ReportMetric(float64(len(v.paceViolations)), "pace_violations")
		var tl []string
		for i, l := range v.timeline {
			tl = append(tl, fmt.Sprintf("%ds:%.2f", i*int(scaleInterval/time.Second), l.Seconds()))
		}
		b.Logf("%d sends from %d accounts; lateness p50 %v p99 %v max %v, first send %v; latest send per 10 s of schedule: %s",
			v.sends, v.accounts, v.quantile(0.5), v.quantile(0.99), v.quantile(1), v.firstLate, strings.Join(tl, " "))
		b.Logf("heap %d MB at the start, peak %d MB, %d MB after the run (after GC); %d goroutines at most",
			heap.base>>20, heap.peak>>20, heap.end>>20, heap.goroutines)
		if pacing {
			b.ReportMetric(float64(v.floods), "flood_waits")
			b.ReportMetric(float64(len(v.floodViolations)), "flood_violations")
			b.ReportMetric(v.lateAfterFlood.Seconds(), "late_after_flood_s")
		}
		for _, s := range append(v.paceViolations, v.floodViolations...)[:min(20, len(v.paceViolations)+len(v.floodViolations))] {
			b.Error(s)
		}
		if v.accounts != n {
			b.Errorf("%d of %d accounts sent", v.accounts, n)
		}
		if pacing && v.floods == 0 {
			b.Error("no FLOOD_WAIT fired")
		}
		if !pacing {
			if g := heap.peak - min(heap.peak, heap.base); g >= 512<<20 {
				b.Errorf("the heap grew by %d MB, the figure is under 512 MB", g>>20)
			}
			if late := v.quantile(1); late > time.Second {
				b.Errorf("a send left %v after its account's schedule (p99 %v, %d accounts over 1 s), the figure is within 1 s",
					late, v.quantile(0.99), v.lateAccountsOver)
			}
		}
	}
}

// TestScalePastedAudienceIsNotCopiedIntoTheCampaign: people pasted one by
// one become deliveries, and the campaign's own row (read by every claim
// of every sending account) only counts them, so a large pasted audience
// does not make each claim read it all again.
func TestScalePastedAudienceIsNotCopiedIntoTheCampaign(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), campaign.Options{})
	var names []string
	for i := range 2000 {
		names = append(names, fmt.Sprintf("pasted_person_%04d", i))
	}
	list := e.list(sam, chatMeetup)
	v := e.create(campaign.CreateInput{Message: "Hi", SenderAccountIDs: []int64{e.account(sam)},
		Audience: campaign.Audience{ListIDs: []int64{list}, Usernames: names, UserIDs: []int64{ann}}})
	if v.Recipients != 13+2000 {
		t.Fatalf("%d recipients, want the list's 13 and 2,000 pasted", v.Recipients)
	}
	c, err := e.st.CampaignForWork(context.Background(), v.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		ListIDs []int64 `json:"list_ids"`
		Pasted  int     `json:"pasted"`
	}
	if err := json.Unmarshal([]byte(c.Audience), &got); err != nil || len(c.Audience) > 200 || got.Pasted != 2001 ||
		!slices.Equal(got.ListIDs, []int64{list}) {
		t.Errorf("the campaign keeps its audience as %d bytes (%.80q…), want the list and a count of 2,001 pasted people", len(c.Audience), c.Audience)
	}
}

// TestScaleStatementPreparedInATransactionNeedsNoSecondConnection: a
// transaction holding SQLite's write lock while every other connection of
// the pool waits for that lock (a thousand sending accounts starting at
// once) must not need a second connection to prepare a statement it has
// not used before, or nothing moves until the waiters' busy_timeout fails
// them with "database is locked".
func TestScaleStatementPreparedInATransactionNeedsNoSecondConnection(t *testing.T) {
	st := storetest.SQLite(t)
	ctx := context.Background()
	db := st.DB()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	err := st.InTx(ctx, func(tx store.Tx) error {
		// The transaction took the write lock at BEGIN (immediate).
		for i := range db.Stats().MaxOpenConnections + 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := st.CreateUser(ctx, store.NewUser{Email: fmt.Sprintf("waiter%d@example.com", i), PasswordHash: "x", Now: time.Now()})
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}()
		}
		deadline := time.Now().Add(30 * time.Second)
		for s := db.Stats(); s.InUse < s.MaxOpenConnections || s.WaitCount == 0; s = db.Stats() {
			if time.Now().After(deadline) {
				return fmt.Errorf("the pool never filled: %+v", s)
			}
			time.Sleep(time.Millisecond)
		}
		_, err := tx.RunningCampaignsOf(ctx, 1)
		return err
	})
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range errs {
		if err != nil {
			t.Errorf("a writer waiting for the transaction failed: %v", err)
		}
	}
}

// TestScaleSuppressionOfALargeUserID: Telegram user ids pass 2^31 (the
// scale benchmark's do), and the suppression check at send time must work
// for them on both engines.
func TestScaleSuppressionOfALargeUserID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		u, err := st.CreateUser(ctx, store.NewUser{Email: "big@example.com", PasswordHash: "x", Now: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		const big = 6_000_000_041
		if _, _, err := st.AddSuppression(ctx, store.Suppression{UserID: u.ID, TGUserID: big, Reason: "test", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[int64]bool{big: true, big + 1: false} {
			if got, err := st.IsSuppressed(ctx, u.ID, id, ""); err != nil || got != want {
				t.Errorf("IsSuppressed(%d) = %v, %v; want %v", id, got, err, want)
			}
		}
	})
}
