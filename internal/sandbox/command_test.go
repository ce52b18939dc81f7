package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/testkit"
)

func getJSON(t *testing.T, method, url, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
	}
	return res.StatusCode
}

// TestCommandPrintsWorkingSwitches runs `telegramate sandbox` and logs in
// with exactly what it printed, reading the code from the control endpoint.
func TestCommandPrintsWorkingSwitches(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	keyPath := filepath.Join(dir, "key.pem")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut testkit.SyncBuffer
	done := make(chan error, 1)
	go func() {
		done <- RunCommand(ctx, []string{"--generate", "members=500", "--listen", "127.0.0.1:0",
			"--control", "127.0.0.1:0", "--state", state, "--public-key-out", keyPath}, &out, &errOut)
	}()
	testkit.Eventually(t, 20*time.Second, "the summary", func() bool { return strings.Contains(out.String(), "Ctrl+C") })
	text := out.String()
	if !strings.Contains(text, "--telegram-public-key "+keyPath) || !strings.Contains(text, "api_id 1234567") {
		t.Fatalf("summary:\n%s", text)
	}
	var list dcs.List
	for _, m := range regexp.MustCompile(`--telegram-dc (\d+)=([\d.]+):(\d+)`).FindAllStringSubmatch(text, -1) {
		id, _ := strconv.Atoi(m[1])
		port, _ := strconv.Atoi(m[3])
		list.Options = append(list.Options, tg.DCOption{ID: id, IPAddress: m[2], Port: port})
	}
	control := regexp.MustCompile(`Control endpoint: (http://\S+)`).FindStringSubmatch(text)
	if len(list.Options) != 2 || control == nil {
		t.Fatalf("summary:\n%s", text)
	}
	pem, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := crypto.ParseRSAPublicKeys(pem)
	if err != nil || len(keys) != 1 {
		t.Fatalf("public key file: %v", err)
	}
	c := telegram.NewClient(1234567, "0123456789abcdef0123456789abcdef", telegram.Options{
		DC: 1, DCList: list, PublicKeys: []telegram.PublicKey{{RSA: keys[0]}}, NoUpdates: true,
	})
	base := control[1]
	run(t, c, func(ctx context.Context) error {
		sent, err := c.Auth().SendCode(ctx, "+999 661 1001", authOpts())
		if err != nil {
			return err
		}
		var code struct{ Code string }
		if status := getJSON(t, "GET", base+"/codes/9996611001", "", &code); status != 200 || code.Code != "11111" {
			return fmt.Errorf("control code %d %+v", status, code)
		}
		if _, err := c.Auth().SignIn(ctx, "9996611001", code.Code, sent.(*tg.AuthSentCode).PhoneCodeHash); err != nil {
			return err
		}
		res, err := c.API().ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: "sandbox_crowd"})
		if err != nil {
			return err
		}
		ch := res.Chats[0].(*tg.Channel)
		p, err := c.API().ChannelsGetParticipants(ctx, &tg.ChannelsGetParticipantsRequest{
			Channel: &tg.InputChannel{ChannelID: ch.ID, AccessHash: ch.AccessHash}, Filter: &tg.ChannelParticipantsRecent{}, Limit: 200,
		})
		if err != nil {
			return err
		}
		if n := p.(*tg.ChannelsChannelParticipants).Count; n != 504 {
			return fmt.Errorf("generated group has %d members, want 504", n)
		}

		// Faults switched on over HTTP reach the client.
		if status := getJSON(t, "POST", base+"/faults", `{"method":"help.getNearestDc","error":"FLOOD_WAIT_7"}`, nil); status != 201 {
			return fmt.Errorf("POST /faults: %d", status)
		}
		var bad map[string]map[string]string
		if status := getJSON(t, "POST", base+"/faults", `{"method":"help.getNearestDc","error":"SOON"}`, &bad); status != 400 || !strings.Contains(bad["error"]["message"], "fault.error") {
			return fmt.Errorf("bad fault: %d %v", status, bad)
		}
		_, err = c.API().HelpGetNearestDC(ctx)
		if err := wantRPC(t, err, "FLOOD_WAIT"); err != nil {
			return err
		}
		getJSON(t, "DELETE", base+"/faults", "", nil)
		if _, err := c.API().HelpGetNearestDC(ctx); err != nil {
			return err
		}
		if _, err := c.API().MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
			Peer: &tg.InputPeerSelf{}, Message: "note to self", RandomID: 4242,
		}); err != nil {
			return err
		}
		var msgs []struct {
			Index   int
			Message controlMessage
		}
		getJSON(t, "GET", base+"/messages?from=1001", "", &msgs)
		if len(msgs) != 1 || msgs[0].Message.RandomID != "4242" || msgs[0].Message.Text != "note to self" {
			return fmt.Errorf("messages %+v", msgs)
		}
		var counts map[string]int
		getJSON(t, "GET", base+"/counts", "", &counts)
		if counts["auth.signIn"] != 1 || counts["help.getNearestDc"] != 2 {
			return fmt.Errorf("counts %v", counts)
		}
		var revoked map[string]int
		getJSON(t, "POST", base+"/sessions/revoke", `{"phone":"9996611001"}`, &revoked)
		if revoked["revoked"] != 1 {
			return fmt.Errorf("revoked %v", revoked)
		}
		_, err = c.Self(ctx)
		return wantRPC(t, err, "SESSION_REVOKED")
	})
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("command did not stop")
	}
	st, err := os.Stat(state)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("state file %v %v", st, err)
	}
}

func TestListenFixedPortGivesDCiPortPlusIMinus1(t *testing.T) {
	var port int
	for try := 0; try < 20; try++ {
		l1, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port = l1.Addr().(*net.TCPAddr).Port
		l1.Close()
		l2, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port+1))
		if err == nil {
			l2.Close()
			break
		}
	}
	s := startSandbox(t, testWorld(t), Options{Listen: fmt.Sprintf("127.0.0.1:%d", port)})
	got := s.DCs()
	if got[1] != fmt.Sprintf("127.0.0.1:%d", port) || got[2] != fmt.Sprintf("127.0.0.1:%d", port+1) {
		t.Fatalf("DCs %v for --listen port %d", got, port)
	}
}

func TestCommandRefusesBadArguments(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--generate", "people=5"},
		{"--world", "x.json", "--generate", "members=5"},
		{"--world", filepath.Join(t.TempDir(), "missing.json")},
		{"--generate", "members=5", "--latency", "-5ms"},
		{"--generate", "members=5", "--latency", "fast"},
		{"--generate", "members=5", "--file-reference-ttl", "-1h"},
	} {
		var out, errOut testkit.SyncBuffer
		if err := RunCommand(context.Background(), args, &out, &errOut); err == nil {
			t.Errorf("RunCommand(%q) accepted", args)
		}
	}
}
