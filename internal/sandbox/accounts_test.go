package sandbox

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/session"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"
)

func accountsWorld(t testing.TB, n int) *World {
	t.Helper()
	w, err := ParseWorld(fmt.Appendf(nil, `{
	  "apps": [{"api_id": 1234567, "api_hash": "0123456789abcdef0123456789abcdef"}],
	  "users": [{"id": 1001, "phone": "9996611001", "first_name": "Ann"}],
	  "generate_accounts": {"count": %d, "seed": 1, "first_phone": "9996620000"}
	}`, n))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// memorySession is a session blob in the storage a stock gotd client reads.
func memorySession(t testing.TB, blob []byte) *session.StorageMemory {
	t.Helper()
	st := &session.StorageMemory{}
	if err := st.StoreSession(context.Background(), blob); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestGeneratedAccountsWithIssuedSessions(t *testing.T) {
	w := accountsWorld(t, 5)
	accts := w.GeneratedAccounts()
	if len(accts) != 5 || accts[0].Phone != "9996620000" || accts[4].Phone != "9996620004" ||
		accts[3].ID != DefaultGeneratedAccountID+3 || accts[3].FirstName == "" || codeFor(accts[3].Phone) != "22222" {
		t.Fatalf("generated %+v", accts)
	}
	if again := accountsWorld(t, 5).GeneratedAccounts(); again[2].FirstName != accts[2].FirstName || again[2].LastName != accts[2].LastName {
		t.Fatal("the same seed made other names")
	}
	s := startSandbox(t, w, Options{Control: "127.0.0.1:0"})

	blob, err := s.IssueSession("+999 662 0003")
	if err != nil {
		t.Fatal(err)
	}
	// Through the control endpoint too, as a benchmark in another process
	// gets them.
	var out struct {
		Session string `json:"session"`
	}
	if code := getJSON(t, "POST", s.ControlURL()+"/sessions/issue", `{"phone": "9996620004"}`, &out); code != 200 {
		t.Fatalf("issue: %d", code)
	}
	viaHTTP, err := base64.StdEncoding.DecodeString(out.Session)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range [][]byte{blob, viaHTTP} {
		want := accts[3+i]
		// A stock client pointed at the sandbox as the product points it
		// (DC list, public key) with the blob: no key exchange, no login.
		c := clientFor(t, s, 1, testAPIID, testAPIHash, memorySession(t, b))
		run(t, c, func(ctx context.Context) error {
			users, err := c.API().UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUserSelf{}})
			if err != nil {
				return err
			}
			u := users[0].(*tg.User)
			if u.ID != want.ID || u.Phone != want.Phone || !u.Self {
				return fmt.Errorf("self is %+v, want %d", u, want.ID)
			}
			return nil
		})
	}
	if keys, logins := len(s.dcs[1].srv.Keys()), s.Counts()["auth.signIn"]; keys != 2 || logins != 0 {
		t.Fatalf("%d auth keys (want the 2 issued, no key exchange), %d logins", keys, logins)
	}
	for body, want := range map[string]int{`{"phone": "9996699999"}`: 404, `{}`: 400, `{"phone": "1", "x": 1}`: 400} {
		if code := getJSON(t, "POST", s.ControlURL()+"/sessions/issue", body, nil); code != want {
			t.Errorf("issue %s: %d, want %d", body, code, want)
		}
	}
}

func TestGenerateAccountsRefusesBadFields(t *testing.T) {
	for _, tc := range []struct {
		gen, want string
	}{
		{`{"count": 0, "first_phone": "9996620000"}`, "generate_accounts.count: 0 is not between"},
		{`{"count": 10, "first_phone": "12"}`, "generate_accounts.first_phone"},
		{`{"count": 10, "first_phone": "9999999995"}`, "generate_accounts.count: 10 numbers from 9999999995 run past 10 digits"},
		{`{"count": 10, "first_phone": "9996611000"}`, "generated phone 9996611001 is already a user's phone"},
		{`{"count": 10, "first_phone": "9996620000", "first_id": 1000}`, "generated id 1001 is already a user's id"},
		{`{"count": 10, "first_phone": "9996620000", "dc": 3}`, "generate_accounts.dc: 3 is not in dcs"},
		{`{"count": 1, "first_phone": "9996620000", "sed": 1}`, "generate_accounts.sed: unknown field"},
	} {
		_, err := ParseWorld([]byte(`{
		  "apps": [{"api_id": 1234567, "api_hash": "0123456789abcdef0123456789abcdef"}],
		  "users": [{"id": 1001, "phone": "9996611001", "first_name": "Ann"}],
		  "generate_accounts": ` + tc.gen + `}`))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.gen, err, tc.want)
		}
	}
}

// TestSandboxProcess is not a test: TestManyConnectedClients runs the test
// binary again with SANDBOX_PROCESS_ARGS set to serve a sandbox in a
// process of its own, so its memory can be measured apart from the
// clients'.
func TestSandboxProcess(t *testing.T) {
	args := os.Getenv("SANDBOX_PROCESS_ARGS")
	if args == "" {
		t.Skip("only run as a child of TestManyConnectedClients")
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// The parent closes stdin to stop us.
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	if err := RunCommand(ctx, strings.Split(args, "\n"), os.Stdout, os.Stderr); err != nil {
		t.Fatal(err)
	}
}

// TestManyConnectedClients connects many stock gotd clients at once, each
// with a session the sandbox issued, to a sandbox in its own process, and
// reports the sandbox's memory per connection. 1,000 clients; 200 with
// -short or -race (the race detector allows 8,128 goroutines, and every
// gotd client runs several).
func TestManyConnectedClients(t *testing.T) {
	n := 1000
	if testing.Short() || raceEnabled {
		n = 200
	}
	dir := t.TempDir()
	worldPath := filepath.Join(dir, "world.json")
	if err := os.WriteFile(worldPath, fmt.Appendf(nil, `{
	  "apps": [{"api_id": 1234567, "api_hash": "0123456789abcdef0123456789abcdef"}],
	  "generate_accounts": {"count": %d, "seed": 1, "first_phone": "9996620000"}
	}`, n), 0o600); err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, "key.pem")
	cmd := exec.Command(os.Args[0], "-test.run=^TestSandboxProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SANDBOX_PROCESS_ARGS="+strings.Join([]string{
		"--world", worldPath, "--control", "127.0.0.1:0", "--public-key-out", keyPath,
	}, "\n"))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	// The child prints the switches and the control URL, as for a person.
	var control, dc1, accounts string
	lines := bufio.NewScanner(stdout)
	dcRe := regexp.MustCompile(`--telegram-dc 1=(\S+)`)
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "Press Ctrl+C") {
		line := lines.Text()
		if a, ok := strings.CutPrefix(line, "Accounts: "); ok {
			accounts = a
		}
		if m := dcRe.FindStringSubmatch(line); m != nil {
			dc1 = m[1]
		}
		if u, ok := strings.CutPrefix(line, "Control endpoint: "); ok {
			control, _, _ = strings.Cut(u, " ")
		}
	}
	if control == "" || dc1 == "" {
		t.Fatalf("child printed no addresses (dc %q, control %q)", dc1, control)
	}
	if want := fmt.Sprintf("%d generated accounts, +9996620000 to +%d", n, 9996620000+n-1); !strings.HasPrefix(accounts, want) {
		t.Fatalf("child printed accounts %q, want %q...", accounts, want)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	pem, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := crypto.ParseRSAPublicKeys(pem)
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := splitHostPort(dc1)

	var before MemoryStats
	getJSON(t, "GET", control+"/memory", "", &before)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		phone := strconv.Itoa(9996620000 + i)
		var out struct {
			Session string `json:"session"`
		}
		if code := getJSON(t, "POST", control+"/sessions/issue", `{"phone": "`+phone+`"}`, &out); code != 200 {
			t.Fatalf("issue %s: %d", phone, code)
		}
		blob, _ := base64.StdEncoding.DecodeString(out.Session)
		c := telegram.NewClient(testAPIID, testAPIHash, telegram.Options{
			SessionStorage: memorySession(t, blob), PublicKeys: []telegram.PublicKey{{RSA: keys[0]}}, NoUpdates: true,
			DCList: dcs.List{Options: []tg.DCOption{{ID: 1, IPAddress: host, Port: port}}},
		})
		wantID := int64(DefaultGeneratedAccountID + i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := c.Run(ctx, func(ctx context.Context) error {
				users, err := c.API().UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUserSelf{}})
				if err != nil {
					return err
				}
				if id := users[0].(*tg.User).ID; id != wantID {
					return fmt.Errorf("client of %s is user %d", phone, id)
				}
				ready <- nil
				<-ctx.Done() // stay connected until every client is
				return nil
			})
			if err != nil && ctx.Err() == nil {
				ready <- err
			}
		}()
	}
	deadline := time.After(5 * time.Minute)
	for range n {
		select {
		case err := <-ready:
			if err != nil {
				t.Fatal(err)
			}
		case <-deadline:
			t.Fatal("clients did not all connect")
		}
	}
	var after MemoryStats
	getJSON(t, "GET", control+"/memory", "", &after)
	if after.Connections < n {
		t.Fatalf("%d connections open, want %d", after.Connections, n)
	}
	per := func(a, b uint64) float64 {
		return float64(int64(a)-int64(b)) / float64(after.Connections-before.Connections) / 1024
	}
	t.Logf("%d clients connected: sandbox heap %.1f KiB, stacks %.1f KiB, goroutines %.1f per connection (heap %d MiB, sys %d MiB in all)",
		n, per(after.HeapInuseBytes, before.HeapInuseBytes), per(after.StackInuseBytes, before.StackInuseBytes),
		float64(after.Goroutines-before.Goroutines)/float64(after.Connections-before.Connections),
		after.HeapInuseBytes>>20, after.SysBytes>>20)
	cancel()
	wg.Wait()
}
