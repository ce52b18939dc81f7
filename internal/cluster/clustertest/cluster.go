// Package clustertest runs Telegramate as its operators do: several
// `telegramate serve` processes (the real binary, built once per test
// process) on one database, against a sandbox in the test process, driven
// through the JSON API. Tests kill nodes with SIGKILL, restart them, break
// the sandbox and the database, and judge the outcome from the sandbox's
// own record (the messages it delivered, the connections it saw) and from
// the database.
package clustertest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/campaign/campaigntest"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/tokens"
)

// Chats of the world every cluster test uses.
const (
	CrowdChat = 9100 // every sender is in it, with CrowdSize generated people
	BigChat   = 9200 // the extractor is in it, with BigSize generated people
)

// Options shape a cluster's world and database.
type Options struct {
	Senders int // sending accounts (default 4)
	// Strangers are users of the world that are no account (Telegram
	// users 900001…), to write to the accounts.
	Strangers int
	CrowdSize int // generated members of CrowdChat (default 200)
	BigSize   int // generated members of BigChat (default 1,000)
	// Postgres runs the nodes on a PostgreSQL server of the test's own
	// (which it may restart); false runs them on SQLite in one data folder.
	Postgres bool
	// Latency is the sandbox's answer delay.
	Latency time.Duration
	// Faults are the world's faults, on from the start.
	Faults []sandbox.Fault
}

// Account is a connected sandbox account.
type Account struct {
	campaigntest.Account
	ID int64 // Telegramate's account id
}

// Cluster is one test's world, database and nodes.
type Cluster struct {
	T         testing.TB
	Sandbox   *sandbox.Server
	Store     store.Store // the test's own connection, for setup and checks
	PG        *testkit.PostgresServer
	Senders   []Account
	Strangers []int64
	Extractor Account
	User      int64

	token   string
	bin     string
	dir     string
	dbURL   string
	keyFile string
	secret  string

	mu    sync.Mutex
	nodes map[string]*Node
}

var testKey = secrets.Key{ID: "cluster", Secret: bytes.Repeat([]byte{7}, secrets.KeySize)}

// New starts the sandbox and the database, migrates it, and connects the
// accounts for a user with an API token. No node runs yet (StartNode).
func New(t testing.TB, o Options) *Cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("starts telegramate processes")
	}
	o.Senders = cmpOr(o.Senders, 4)
	o.CrowdSize = cmpOr(o.CrowdSize, 200)
	o.BigSize = cmpOr(o.BigSize, 1000)
	dir := t.TempDir()
	if keep := os.Getenv("TELEGRAMATE_CLUSTER_LOGS"); keep != "" {
		// The nodes' whole logs, kept after the test (TempDir's go).
		if d, err := os.MkdirTemp(keep, "cluster-"); err == nil {
			dir = d
		}
	}
	c := &Cluster{T: t, bin: Binary(t), dir: dir, nodes: map[string]*Node{}}
	c.secret = testKey.ID + ":" + base64.StdEncoding.EncodeToString(testKey.Secret)

	w, accts := world(o)
	sbx, err := sandbox.Start(context.Background(), w, sandbox.Options{Listen: "127.0.0.1:0", Latency: o.Latency, Key: testkit.RSAKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sbx.Close() })
	c.Sandbox = sbx
	c.keyFile = filepath.Join(c.dir, "dc.pem")
	if err := os.WriteFile(c.keyFile, sbx.PublicKeyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}

	opts := storeopen.Options{DataDir: filepath.Join(c.dir, "data")}
	if o.Postgres {
		c.PG = testkit.StartPostgresServer(t)
		c.dbURL = c.PG.URL()
		opts.DatabaseURL = c.dbURL
	}
	ctx := context.Background()
	st, err := storeopen.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	c.Store = st
	// Registered after the nodes' cleanups would be, so it runs after
	// they are killed.
	t.Cleanup(func() { st.Close() })
	t.Cleanup(c.stopAll)

	keys, err := secrets.NewKeyring(testKey)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Email: "ops@example.com", PasswordHash: "x", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	c.User = u.ID
	tok, _, err := tokens.New(st).Create(ctx, u.ID, "cluster test")
	if err != nil {
		t.Fatal(err)
	}
	c.token = tok.Reveal()
	for i, a := range accts {
		row, err := campaigntest.Connect(ctx, st, keys, sbx, u.ID, a, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		acct := Account{Account: a, ID: row.ID}
		if i == len(accts)-1 {
			c.Extractor = acct
		} else {
			c.Senders = append(c.Senders, acct)
		}
	}
	for i := 1; i <= o.Strangers; i++ {
		c.Strangers = append(c.Strangers, int64(900_000+i))
	}
	return c
}

// metricsToken lets the tests read a node's /metrics.
const metricsToken = "cluster-test-metrics"

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// world is the senders (Telegram users 7001…, phones 9996610001…) in
// CrowdChat and one extractor (the last account) in BigChat.
func world(o Options) (*sandbox.World, []campaigntest.Account) {
	type app struct {
		ID   int64  `json:"api_id"`
		Hash string `json:"api_hash"`
	}
	var (
		apps    []app
		users   []map[string]any
		accts   []campaigntest.Account
		senders []int64
	)
	for i := 1; i <= o.Senders+1; i++ {
		a := campaigntest.Account{
			APIID: int64(2200000 + i), APIHash: fmt.Sprintf("%032x", 0xabc000+i),
			Phone: fmt.Sprintf("999661%04d", i), TGUserID: int64(7000 + i), First: fmt.Sprintf("Sender%d", i),
		}
		if i == o.Senders+1 {
			a.First = "Extractor"
		} else {
			senders = append(senders, a.TGUserID)
		}
		accts = append(accts, a)
		apps = append(apps, app{a.APIID, a.APIHash})
		users = append(users, map[string]any{"id": a.TGUserID, "phone": a.Phone, "first_name": a.First})
	}
	for i := 1; i <= o.Strangers; i++ {
		users = append(users, map[string]any{"id": int64(900_000 + i), "phone": fmt.Sprintf("999662%04d", i), "first_name": fmt.Sprintf("Stranger%d", i)})
	}
	extractor := accts[len(accts)-1].TGUserID
	w := map[string]any{
		"dcs":   []int{1},
		"apps":  apps,
		"users": users,
		"chats": []map[string]any{
			{"id": CrowdChat, "type": "supergroup", "title": "Crowd", "creator": senders[0], "members": senders,
				"generate_members": map[string]any{"count": o.CrowdSize, "seed": 42}},
			{"id": BigChat, "type": "supergroup", "title": "Big", "creator": extractor, "members": []int64{extractor},
				"generate_members": map[string]any{"count": o.BigSize, "seed": 7}},
		},
		"limits": map[string]any{"peer_flood_after": 1_000_000},
		"faults": o.Faults,
	}
	if o.Faults == nil {
		delete(w, "faults")
	}
	b, err := json.Marshal(w)
	if err != nil {
		panic(err)
	}
	parsed, err := sandbox.ParseWorld(b)
	if err != nil {
		panic(fmt.Sprintf("cluster world: %v", err))
	}
	return parsed, accts
}

var build struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// BinaryEnv names a telegramate binary to run instead of building one
// (to test a release, or a build of another checkout).
const BinaryEnv = "TELEGRAMATE_CLUSTER_BINARY"

// Binary builds cmd/telegramate once per test process.
func Binary(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv(BinaryEnv); bin != "" {
		return bin
	}
	build.once.Do(func() {
		if build.dir, build.err = os.MkdirTemp("", "telegramate-cluster-"); build.err != nil {
			return
		}
		build.bin = filepath.Join(build.dir, "telegramate")
		out, err := exec.Command("go", "build", "-o", build.bin, "github.com/telegramate/telegramate/cmd/telegramate").CombinedOutput()
		if err != nil {
			build.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.bin
}

// Main runs the tests and removes the built binary.
func Main(m *testing.M) {
	code := m.Run()
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
	os.Exit(code)
}

// Node is one `telegramate serve` process.
type Node struct {
	Name string
	URL  string // http://127.0.0.1:port
	cmd  *exec.Cmd
	done chan struct{}
	log  string
}

// StartNode starts a node named name (its --node-id) on a free port and
// waits until /healthz says it is ready. A node of that name that was
// killed starts again with a new process.
func (c *Cluster) StartNode(name string) *Node {
	c.T.Helper()
	port, err := freePort()
	if err != nil {
		c.T.Fatal(err)
	}
	n := &Node{Name: name, URL: fmt.Sprintf("http://127.0.0.1:%d", port), done: make(chan struct{})}
	n.log = filepath.Join(c.dir, fmt.Sprintf("%s-%d.log", name, time.Now().UnixNano()))
	logFile, err := os.Create(n.log)
	if err != nil {
		c.T.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(c.bin, "serve",
		"--listen", fmt.Sprintf("127.0.0.1:%d", port),
		"--telegram-dc", "1="+c.Sandbox.DCs()[1],
		"--telegram-public-key", c.keyFile,
		"--log-level", "info")
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TELEGRAMATE_") {
			env = append(env, kv)
		}
	}
	// Through the environment: a flag the binary does not know would stop it.
	env = append(env, "TELEGRAMATE_NODE_ID="+name, "TELEGRAMATE_SECRET_KEY="+c.secret, "TELEGRAMATE_METRICS_TOKEN="+metricsToken,
		"TELEGRAMATE_DATA_DIR="+filepath.Join(c.dir, "data"))
	if c.dbURL != "" {
		env = append(env, "TELEGRAMATE_DATABASE_URL="+c.dbURL)
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// A node outlives a test process that dies without cleaning up only
	// until the test process is gone.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		c.T.Fatal(err)
	}
	n.cmd = cmd
	go func() { _ = cmd.Wait(); close(n.done) }()
	c.mu.Lock()
	c.nodes[name] = n
	c.mu.Unlock()

	deadline := time.Now().Add(60 * time.Second)
	for {
		if code, _ := c.healthz(n); code == http.StatusOK {
			return n
		}
		select {
		case <-n.done:
			c.T.Fatalf("node %s exited at start:\n%s", name, tail(n.log, 40))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.T.Fatalf("node %s not ready after 60s:\n%s", name, tail(n.log, 40))
		}
	}
}

func (c *Cluster) healthz(n *Node) (int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.URL+"/healthz", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// Healthz is the node's /healthz status code and body.
func (c *Cluster) Healthz(n *Node) (int, string) { return c.healthz(n) }

// Kill kills the node with SIGKILL and returns when it is gone, with the
// moment it was killed.
func (n *Node) Kill() time.Time {
	at := time.Now()
	_ = n.cmd.Process.Signal(syscall.SIGKILL)
	<-n.done
	return at
}

// Running says whether the node's process is alive.
func (n *Node) Running() bool {
	select {
	case <-n.done:
		return false
	default:
		return true
	}
}

// PID is the node's process id.
func (n *Node) PID() int { return n.cmd.Process.Pid }

// Log is the tail of the node's log.
func (n *Node) Log(lines int) string { return tail(n.log, lines) }

// Node is the node started last under name.
func (c *Cluster) Node(name string) *Node {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[name]
}

// Live lists the running nodes, by name.
func (c *Cluster) Live() []*Node {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*Node
	for _, n := range c.nodes {
		if n.Running() {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b *Node) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// stopAll kills every node and, when the test failed, shows their logs.
func (c *Cluster) stopAll() {
	c.mu.Lock()
	nodes := make([]*Node, 0, len(c.nodes))
	for _, n := range c.nodes {
		nodes = append(nodes, n)
	}
	c.mu.Unlock()
	for _, n := range nodes {
		if n.Running() {
			n.Kill()
		}
	}
	if c.T.Failed() {
		files, _ := filepath.Glob(filepath.Join(c.dir, "*.log"))
		for _, f := range files {
			c.T.Logf("--- %s (last lines)\n%s", filepath.Base(f), tail(f, 30))
		}
	}
}

func tail(path string, lines int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var all []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		all = append(all, sc.Text())
	}
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// APIError is an answer of the JSON API other than 2xx.
type APIError struct {
	Status int
	Body   string
}

func (e *APIError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.Status, e.Body) }

// Call sends a JSON API request (path below /api/v1) to node n and decodes
// the answer into out (nil to drop it).
func (c *Cluster) Call(n *Node, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, n.URL+"/api/v1"+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		return &APIError{Status: res.StatusCode, Body: string(b)}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

// CallAny is Call on the first live node that answers, for checks that
// must not depend on which node is up.
func (c *Cluster) CallAny(method, path string, in, out any) error {
	var last error
	for _, n := range c.Live() {
		if last = c.Call(n, method, path, in, out); last == nil {
			return nil
		}
		if _, ok := last.(*APIError); ok {
			return last
		}
	}
	if last == nil {
		last = fmt.Errorf("no node is running")
	}
	return last
}

// MustCall is Call that fails the test on error.
func (c *Cluster) MustCall(n *Node, method, path string, in, out any) {
	c.T.Helper()
	if err := c.Call(n, method, path, in, out); err != nil {
		c.T.Fatalf("%s %s on %s: %v", method, path, n.Name, err)
	}
}

// Interrupt sends the node SIGINT, as Ctrl+C in its terminal does, and
// returns the moment it was sent.
func (n *Node) Interrupt() time.Time {
	at := time.Now()
	_ = n.cmd.Process.Signal(os.Interrupt)
	return at
}

// Exited waits up to timeout for the node's process to end and says
// whether it did.
func (n *Node) Exited(timeout time.Duration) bool {
	select {
	case <-n.done:
		return true
	case <-time.After(timeout):
		return false
	}
}
