package clustertest

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/session"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/telegram/updates"
	"github.com/gotd/td/tg"
)

var (
	scaleSizes    = flag.String("scale.sizes", "1000,5000,10000", "BenchmarkConnectedAccounts: the numbers of connected accounts, comma-separated")
	scalePostgres = flag.Bool("scale.postgres", false, "BenchmarkConnectedAccounts: on PostgreSQL instead of SQLite")
	scaleRate     = flag.Int("scale.rate", 50, "BenchmarkConnectedAccounts: incoming messages a second, spread over the accounts")
	scaleFor      = flag.Duration("scale.for", 20*time.Second, "BenchmarkConnectedAccounts: how long the messages come in")
)

// BenchmarkConnectedAccounts connects n accounts to one node that do
// nothing but listen, with sessions the sandbox issued (no key exchange),
// and compares what each costs the node against a bare gotd client of the
// same account, connected to the same sandbox in the same run, in a
// process of its own. Then strangers write to random accounts at
// -scale.rate messages a second, and each message's time from the
// sandbox's write to the node's inbox is measured.
//
//	go test ./internal/cluster/clustertest -run '^$' -bench BenchmarkConnectedAccounts -benchtime=1x -v -timeout 2h [-scale.sizes=1000,5000,10000] [-scale.postgres]
//
// Heap is the heap a collection found live (runtime/metrics'
// /gc/heap/live:bytes): the bare process reads it after a forced
// collection, the node's (go_gc_heap_live_bytes) is read from /metrics
// once a collection has run after the start settled.
func BenchmarkConnectedAccounts(b *testing.B) {
	engine := "sqlite"
	if *scalePostgres {
		engine = "postgres"
	}
	var sizes []int
	for f := range strings.SplitSeq(*scaleSizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 10 {
			b.Fatalf("-scale.sizes: %q is not a number of accounts of at least 10", f)
		}
		sizes = append(sizes, n)
	}
	var base scaleRun
	b.Run(engine+"/accounts=5", func(b *testing.B) { base = connectedAccounts(b, 5, false) })
	for _, n := range sizes {
		b.Run(fmt.Sprintf("%s/accounts=%d", engine, n), func(b *testing.B) {
			r := connectedAccounts(b, n, true)
			nodeHeap := (r.nodeHeap - base.nodeHeap) / float64(n-5)
			nodeG := (r.nodeGoroutines - base.nodeGoroutines) / float64(n-5)
			bareHeap := (r.bareHeap - r.bareHeap0) / float64(n)
			bareG := (r.bareGoroutines - r.bareGoroutines0) / float64(n)
			lisHeap := (r.lisHeap - r.lisHeap0) / float64(n)
			lisG := (r.lisGoroutines - r.lisGoroutines0) / float64(n)
			b.Logf("%s, %d accounts: bare gotd with gotd's updates manager (on memory) per client: heap %.1f KB, %.2f goroutines; the node against it: heap %.2f, goroutines %.2f",
				engine, n, lisHeap/1e3, lisG, nodeHeap/lisHeap, nodeG/lisG)
			b.ReportMetric(nodeHeap/lisHeap, "heap-ratio-listening")
			b.Logf("%s, %d accounts: all live on the node in %s (bare gotd clients: %s); node heap %.1f MB, %.0f goroutines; per account beyond five: heap %.1f KB, %.2f goroutines; bare gotd per client: heap %.1f KB, %.2f goroutines; ratio heap %.2f, goroutines %.2f",
				engine, n, r.up.Round(time.Millisecond), r.bareUp.Round(time.Millisecond), r.nodeHeap/1e6, r.nodeGoroutines,
				nodeHeap/1e3, nodeG, bareHeap/1e3, bareG, nodeHeap/bareHeap, nodeG/bareG)
			b.Logf("%s, %d accounts: %d messages at %d/s from strangers: write → inbox p50 %s, p99 %s, max %s; %d missing after 60 s; node CPU while idle %.2f%% of a core, RSS %.0f MB",
				engine, n, r.written, *scaleRate, r.p50.Round(time.Millisecond), r.p99.Round(time.Millisecond), r.max.Round(time.Millisecond), r.missing, r.idleCPU*100, r.rss/1e6)
			b.ReportMetric(r.up.Seconds(), "up-s")
			b.ReportMetric(nodeHeap/1e3, "heap-KB/account")
			b.ReportMetric(nodeHeap/bareHeap, "heap-ratio")
			b.ReportMetric(nodeG/bareG, "goroutine-ratio")
			b.ReportMetric(r.p99.Seconds(), "inbox-p99-s")
		})
	}
}

type scaleRun struct {
	up, bareUp                 time.Duration
	nodeHeap, nodeGoroutines   float64
	bareHeap0, bareGoroutines0 float64
	bareHeap, bareGoroutines   float64
	// listening: bare clients with gotd's updates manager each
	lisHeap0, lisGoroutines0 float64
	lisHeap, lisGoroutines   float64
	idleCPU, rss             float64
	written, missing         int
	p50, p99, max            time.Duration
}

func connectedAccounts(b *testing.B, n int, full bool) scaleRun {
	c := New(b, Options{Senders: n - 1, CrowdSize: 10, BigSize: 10, Strangers: 20, Postgres: *scalePostgres})
	var r scaleRun
	if full {
		r.bareUp, r.bareHeap0, r.bareGoroutines0, r.bareHeap, r.bareGoroutines = c.bareClients(b, false)
		_, r.lisHeap0, r.lisGoroutines0, r.lisHeap, r.lisGoroutines = c.bareClients(b, true)
	}
	t0 := time.Now()
	node := c.StartNode("scale")
	c.waitLive(b, node, n, 20*time.Minute)
	r.up = time.Since(t0)
	// Let the start's work (catching up, storing states) settle.
	time.Sleep(15 * time.Second)
	r.nodeHeap, r.nodeGoroutines = c.heap(b, node, time.Now())
	if !full {
		return r
	}
	const span = 30 * time.Second
	cpu0 := procCPU(node.PID(), false)
	time.Sleep(span)
	r.idleCPU = (procCPU(node.PID(), false) - cpu0).Seconds() / span.Seconds()
	r.rss = procRSS(node.PID())
	r.written, r.missing, r.p50, r.p99, r.max = c.incoming(b, *scaleRate, *scaleFor)
	return r
}

// waitLive waits until the sandbox has a connection of the node's for
// each of want accounts.
func (c *Cluster) waitLive(b *testing.B, node *Node, want int, timeout time.Duration) {
	t0 := time.Now()
	for {
		open := map[int64]bool{}
		for _, conn := range c.Sandbox.ConnectionLog() {
			if conn.Node == node.Name && conn.UserID != 0 && conn.Open() {
				open[conn.UserID] = true
			}
		}
		if len(open) >= want {
			return
		}
		if time.Since(t0) > timeout {
			b.Fatalf("%d of %d accounts connected after %s", len(open), want, timeout)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// heap is the heap the node's last collection found live, from a
// collection after since (the runtime forces one every two minutes at
// most), and the node's goroutines.
func (c *Cluster) heap(b *testing.B, node *Node, since time.Time) (heap, goroutines float64) {
	deadline := time.Now().Add(3 * time.Minute)
	for {
		m := c.metrics(b, node)
		if last := m["go_memstats_last_gc_time_seconds"]; last > float64(since.UnixNano())/1e9 {
			return m["go_gc_heap_live_bytes"], m["go_goroutines"]
		}
		if time.Now().After(deadline) {
			b.Fatalf("no collection on the node since %s", since.Format(time.TimeOnly))
		}
		time.Sleep(time.Second)
	}
}

// metrics scrapes the node's /metrics (unlabelled series only).
func (c *Cluster) metrics(b *testing.B, node *Node) map[string]float64 {
	req, err := http.NewRequest("GET", node.URL+"/metrics", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+metricsToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		b.Fatalf("/metrics: %s: %s", resp.Status, body)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") || strings.Contains(name, "{") {
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			out[name] = v
		}
	}
	return out
}

// incoming has strangers write to random accounts at rate a second for d,
// and returns each message's time from the write to the node's inbox
// (read from the database every 100 ms, so up to that much later).
func (c *Cluster) incoming(b *testing.B, rate int, d time.Duration) (written, missing int, p50, p99, max time.Duration) {
	accounts := append(append([]Account(nil), c.Senders...), c.Extractor)
	var (
		mu      sync.Mutex
		wrote   = map[string]time.Time{}
		arrived = map[string]time.Duration{}
		done    atomic.Bool
	)
	db := c.Store.DB()
	var last int64
	read := func() {
		q := "SELECT id, text FROM inbox_messages WHERE id > ? AND direction = 'in' ORDER BY id"
		if c.Store.Dialect() == "postgres" {
			q = strings.Replace(q, "?", "$1", 1)
		}
		// On PostgreSQL ids are handed out at insert and committed in
		// any order: a row below the last id read may commit after it.
		// Reading back a margin keeps such a row (arrived is by text, so
		// nothing counts twice); at 50 messages a second the commits in
		// flight are a handful of ids apart.
		from := last - 500
		if from < 0 {
			from = 0
		}
		rows, err := db.Query(q, from)
		if err != nil {
			b.Logf("read inbox: %v", err)
			return
		}
		defer rows.Close()
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		for rows.Next() {
			var (
				id   int64
				text string
			)
			if err := rows.Scan(&id, &text); err != nil {
				b.Fatal(err)
			}
			last = id
			if at, ok := wrote[text]; ok {
				if _, seen := arrived[text]; !seen {
					arrived[text] = now.Sub(at)
				}
			}
		}
	}
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		for !done.Load() {
			read()
			time.Sleep(100 * time.Millisecond)
		}
	}()
	tick := time.NewTicker(time.Second / time.Duration(rate))
	end := time.Now().Add(d)
	for i := 0; time.Now().Before(end); i++ {
		<-tick.C
		to := accounts[(i*7919)%len(accounts)]
		from := c.Strangers[i%len(c.Strangers)]
		text := fmt.Sprintf("scale message %d", i)
		mu.Lock()
		wrote[text] = time.Now()
		mu.Unlock()
		if _, err := c.Sandbox.Write(from, to.TGUserID, text, nil); err != nil {
			b.Fatal(err)
		}
	}
	tick.Stop()
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		all := len(arrived) == len(wrote)
		mu.Unlock()
		if all || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	done.Store(true)
	<-readerDone
	mu.Lock()
	defer mu.Unlock()
	lags := make([]time.Duration, 0, len(arrived))
	for _, l := range arrived {
		lags = append(lags, l)
	}
	slices.Sort(lags)
	written, missing = len(wrote), len(wrote)-len(arrived)
	if len(lags) == 0 {
		return written, missing, 0, 0, 0
	}
	at := func(q float64) time.Duration { return lags[min(len(lags)-1, int(q*float64(len(lags))))] }
	return written, missing, at(0.5), at(0.99), lags[len(lags)-1]
}

// bareEnv, when set, makes the test binary a process of bare gotd clients
// (bareMain) instead of running tests.
const bareEnv = "TELEGRAMATE_BARE_CLIENTS"

type bareConf struct {
	// Listen gives each client gotd's own updates manager, on memory.
	Listen    bool         `json:"listen"`
	DC        string       `json:"dc"`
	PublicKey string       `json:"public_key"`
	Clients   []bareClient `json:"clients"`
}

type bareClient struct {
	UserID  int64  `json:"user_id"`
	APIID   int    `json:"api_id"`
	APIHash string `json:"api_hash"`
	Session string `json:"session"` // base64
}

type bareReport struct {
	Up              float64 `json:"up_s"`
	Heap0, Heap     float64
	Goroutines0     float64
	Goroutines      float64
	Connected, Want int
}

// bareClients runs one bare gotd client for each account, with a session
// of its own the sandbox issues, in a child process, and returns how long
// they took to connect and the process's heap and goroutines before and
// after.
func (c *Cluster) bareClients(b *testing.B, listen bool) (up time.Duration, heap0, g0, heap, g float64) {
	conf := bareConf{Listen: listen, DC: c.Sandbox.DCs()[1], PublicKey: c.keyFile}
	for _, a := range append(append([]Account(nil), c.Senders...), c.Extractor) {
		sess, err := c.Sandbox.IssueSession(a.Phone)
		if err != nil {
			b.Fatal(err)
		}
		conf.Clients = append(conf.Clients, bareClient{UserID: a.TGUserID, APIID: int(a.APIID), APIHash: a.APIHash, Session: base64.StdEncoding.EncodeToString(sess)})
	}
	path := filepath.Join(c.dir, "bare.json")
	data, err := json.Marshal(conf)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), bareEnv+"="+path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		stdin.Close()
		_ = cmd.Wait()
	}()
	var rep bareReport
	if err := json.NewDecoder(stdout).Decode(&rep); err != nil {
		b.Fatalf("bare clients: %v", err)
	}
	if rep.Connected != rep.Want {
		b.Fatalf("bare clients: %d of %d connected", rep.Connected, rep.Want)
	}
	return time.Duration(rep.Up * float64(time.Second)), rep.Heap0, rep.Goroutines0, rep.Heap, rep.Goroutines
}

// bareMain is the child process of bareClients: it connects the clients
// (ramped, 200 at a time), waits until every one has run its first call,
// lets them settle, prints its report and holds them until stdin closes.
func bareMain(path string) {
	fail := func(err error) { fmt.Fprintln(os.Stderr, "bare clients:", err); os.Exit(1) }
	data, err := os.ReadFile(path)
	if err != nil {
		fail(err)
	}
	var conf bareConf
	if err := json.Unmarshal(data, &conf); err != nil {
		fail(err)
	}
	pem, err := os.ReadFile(conf.PublicKey)
	if err != nil {
		fail(err)
	}
	rsa, err := crypto.ParseRSAPublicKeys(pem)
	if err != nil {
		fail(err)
	}
	var keys []telegram.PublicKey
	for _, k := range rsa {
		keys = append(keys, telegram.PublicKey{RSA: k})
	}
	h, p, err := net.SplitHostPort(conf.DC)
	if err != nil {
		fail(err)
	}
	host := h
	port, err := strconv.Atoi(p)
	if err != nil {
		fail(err)
	}
	var rep bareReport
	rep.Want = len(conf.Clients)
	rep.Heap0, rep.Goroutines0 = heapNow()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var connected atomic.Int64
	t0 := time.Now()
	for i, cl := range conf.Clients {
		sess, err := base64.StdEncoding.DecodeString(cl.Session)
		if err != nil {
			fail(err)
		}
		st := &session.StorageMemory{}
		if err := st.StoreSession(ctx, sess); err != nil {
			fail(err)
		}
		opts := telegram.Options{
			PublicKeys: keys, DC: 1, DCList: dcs.List{Options: []tg.DCOption{{ID: 1, IPAddress: host, Port: port}}},
			SessionStorage: st,
		}
		var mgr *updates.Manager
		if conf.Listen {
			mgr = updates.New(updates.Config{Handler: telegram.UpdateHandlerFunc(func(context.Context, tg.UpdatesClass) error { return nil })})
			opts.UpdateHandler = mgr
		}
		client := telegram.NewClient(cl.APIID, cl.APIHash, opts)
		go func() {
			_ = client.Run(ctx, func(ctx context.Context) error {
				if mgr == nil {
					connected.Add(1)
					<-ctx.Done()
					return nil
				}
				return mgr.Run(ctx, client.API(), cl.UserID, updates.AuthOptions{OnStart: func(context.Context) { connected.Add(1) }})
			})
		}()
		if (i+1)%200 == 0 {
			for connected.Load() < int64(i+1) && time.Since(t0) < 10*time.Minute {
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	for connected.Load() < int64(len(conf.Clients)) && time.Since(t0) < 10*time.Minute {
		time.Sleep(20 * time.Millisecond)
	}
	rep.Up = time.Since(t0).Seconds()
	rep.Connected = int(connected.Load())
	time.Sleep(15 * time.Second)
	rep.Heap, rep.Goroutines = heapNow()
	if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
		fail(err)
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// heapNow is what the node's go_gc_heap_live_bytes reads, after a
// collection, and the goroutines.
func heapNow() (heap, goroutines float64) {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return float64(s[0].Value.Uint64()), float64(runtime.NumGoroutine())
}
