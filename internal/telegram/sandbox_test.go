package telegram

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/testkit"
)

// One sandbox serves every integration test; each test logs in its own
// account so tests do not see each other's sessions.
var (
	sbx   *sandbox.Server
	clock = &testkit.Clock{}
	creds = Credentials{APIID: 1234567, APIHash: "0123456789abcdef0123456789abcdef"}
)

const (
	phoneAnn   = "9996611001" // DC 1, no 2FA, code 11111
	phoneBob   = "9996621002" // DC 2, 2FA "secret" hint "pet", code 22222
	phoneCleo  = "9996611003" // DC 1, revoked by the server
	phoneDan   = "9996611004" // DC 1, logs out
	phoneEve   = "9996611005" // DC 1, flood-waited
	phoneFay   = "9996621006" // DC 2, no 2FA: PHONE_MIGRATE only
	phoneGus   = "9996611007" // DC 1, wrong code
	phoneHal   = "9996611008" // DC 1, code expires
	phoneIvy   = "9996611009" // DC 1, Run
	phoneJo    = "9996611010" // DC 1, other devices
	phoneKim   = "9996611011" // DC 1, goroutine leaks
	phoneLou   = "9996611012" // DC 1, file parts
	testWorldJ = `{
	  "dcs": [1, 2],
	  "apps": [{"api_id": 1234567, "api_hash": "0123456789abcdef0123456789abcdef"}],
	  "users": [
	    {"id": 1001, "phone": "9996611001", "first_name": "Ann", "last_name": "Lee", "username": "ann_lee", "dc": 1},
	    {"id": 1002, "phone": "9996621002", "first_name": "Bob", "username": "bob_stone", "dc": 2, "password": "secret", "password_hint": "pet"},
	    {"id": 1003, "phone": "9996611003", "first_name": "Cleo", "dc": 1},
	    {"id": 1004, "phone": "9996611004", "first_name": "Dan", "dc": 1},
	    {"id": 1005, "phone": "9996611005", "first_name": "Eve", "dc": 1},
	    {"id": 1006, "phone": "9996621006", "first_name": "Fay", "dc": 2, "premium": true},
	    {"id": 1007, "phone": "9996611007", "first_name": "Gus", "dc": 1},
	    {"id": 1008, "phone": "9996611008", "first_name": "Hal", "dc": 1},
	    {"id": 1009, "phone": "9996611009", "first_name": "Ivy", "dc": 1},
	    {"id": 1010, "phone": "9996611010", "first_name": "Jo", "dc": 1},
	    {"id": 1011, "phone": "9996611011", "first_name": "Kim", "dc": 1},
	    {"id": 1012, "phone": "9996611012", "first_name": "Lou", "dc": 1}
	  ]
	}`
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	w, err := sandbox.ParseWorld([]byte(testWorldJ))
	if err != nil {
		fmt.Fprintln(os.Stderr, "sandbox world:", err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sbx, err = sandbox.Start(ctx, w, sandbox.Options{Listen: "127.0.0.1:0", Clock: clock.Now})
	if err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		return 1
	}
	defer sbx.Close()
	return m.Run()
}

// gateway points a Gateway at the sandbox the way the flags would.
func gateway(t *testing.T) *Gateway {
	t.Helper()
	g, err := New(Config{DCs: sbx.DCs(), PublicKeyPEM: sbx.PublicKeyPEM(), ConnectTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// codeFor is Telegram's test convention: 99966XYYYY gets XXXXX.
func codeFor(phone string) secrets.Secret {
	return secrets.Secret(strings.Repeat(phone[5:6], 5))
}

// login runs SendCode and SignIn on fresh clients and returns the session.
func login(t *testing.T, g *Gateway, phone string) Result {
	t.Helper()
	ctx := testCtx(t)
	p, err := g.SendCode(ctx, creds, phone)
	if err != nil {
		t.Fatalf("SendCode(%s): %v", phone, err)
	}
	res, err := g.SignIn(ctx, creds, phone, p, codeFor(phone))
	if err != nil {
		t.Fatalf("SignIn(%s): %v", phone, err)
	}
	return res
}

func TestLoginWithoutPassword(t *testing.T) {
	g := gateway(t)
	ctx := testCtx(t)
	p, err := g.SendCode(ctx, creds, phoneAnn)
	if err != nil {
		t.Fatal(err)
	}
	if p.PhoneCodeHash == "" || p.CodeType != "app" || p.CodeLength != 5 || p.NextType != "sms" || p.Timeout <= 0 {
		t.Errorf("pending = %+v", p)
	}
	if dc := SessionDC(p.Session); dc != 1 {
		t.Errorf("pending session on DC %d, want 1", dc)
	}
	if code, ok := sbx.Code(phoneAnn); !ok || code != codeFor(phoneAnn).Reveal() {
		t.Fatalf("sandbox code %q %v", code, ok)
	}
	res, err := g.SignIn(ctx, creds, phoneAnn, p, codeFor(phoneAnn))
	if err != nil {
		t.Fatal(err)
	}
	want := User{ID: 1001, FirstName: "Ann", LastName: "Lee", Username: "ann_lee", Phone: phoneAnn}
	res.Self.AccessHash = 0
	if res.Self != want || res.DC != 1 {
		t.Errorf("result = %+v on DC %d, want %+v on DC 1", res.Self, res.DC, want)
	}
	self, err := g.Self(ctx, creds, res.Session)
	if err != nil || self.ID != 1001 {
		t.Fatalf("Self on a fresh client = %+v, %v", self, err)
	}
}

func TestLoginWithPasswordAfterPhoneMigrate(t *testing.T) {
	g := gateway(t)
	ctx := testCtx(t)
	if g.net.dc != 1 {
		t.Fatalf("client starts on DC %d, the test needs DC 1", g.net.dc)
	}
	p, err := g.SendCode(ctx, creds, phoneBob)
	if err != nil {
		t.Fatal(err)
	}
	if dc := SessionDC(p.Session); dc != 2 {
		t.Fatalf("after PHONE_MIGRATE_2 the session is on DC %d, want 2", dc)
	}
	res, err := g.SignIn(ctx, creds, phoneBob, p, codeFor(phoneBob))
	var need *PasswordNeededError
	if !errors.As(err, &need) || !errors.Is(err, ErrPasswordNeeded) {
		t.Fatalf("SignIn = %v, want *PasswordNeededError", err)
	}
	if need.Hint != "pet" || len(need.Session) == 0 || string(res.Session) != string(need.Session) {
		t.Fatalf("hint %q, session %d bytes", need.Hint, len(need.Session))
	}

	_, err = g.CheckPassword(ctx, creds, need.Session, "wrong")
	if !errors.Is(err, ErrPasswordInvalid) {
		t.Fatalf("wrong password: %v, want ErrPasswordInvalid", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatalf("error text carries the password: %v", err)
	}

	done, err := g.CheckPassword(ctx, creds, need.Session, "secret")
	if err != nil {
		t.Fatal(err)
	}
	if done.Self.ID != 1002 || done.DC != 2 {
		t.Fatalf("result %+v DC %d", done.Self, done.DC)
	}
	self, err := g.Self(ctx, creds, done.Session)
	if err != nil || self.Username != "bob_stone" {
		t.Fatalf("Self = %+v, %v", self, err)
	}
}

func TestPhoneMigrateSessionWorksOnFreshClient(t *testing.T) {
	g := gateway(t)
	res := login(t, g, phoneFay)
	if res.DC != 2 || res.Self.ID != 1006 || !res.Self.Premium {
		t.Fatalf("result %+v on DC %d", res.Self, res.DC)
	}
	// A gateway built anew (another node) reaches DC 2 from the bytes alone.
	self, err := gateway(t).Self(testCtx(t), creds, res.Session)
	if err != nil || self.ID != 1006 {
		t.Fatalf("Self = %+v, %v", self, err)
	}
}

func TestSignInWrongCodeThenRightCode(t *testing.T) {
	g := gateway(t)
	ctx := testCtx(t)
	p, err := g.SendCode(ctx, creds, phoneGus)
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.SignIn(ctx, creds, phoneGus, p, "12345")
	if !errors.Is(err, ErrPhoneCodeInvalid) {
		t.Fatalf("wrong code: %v, want ErrPhoneCodeInvalid", err)
	}
	if strings.Contains(err.Error(), "12345") {
		t.Fatalf("error text carries the code: %v", err)
	}
	_, err = g.SignIn(ctx, creds, phoneGus, p, "")
	if !errors.Is(err, ErrPhoneCodeEmpty) {
		t.Fatalf("empty code: %v, want ErrPhoneCodeEmpty", err)
	}
	if _, err := g.SignIn(ctx, creds, phoneGus, p, codeFor(phoneGus)); err != nil {
		t.Fatalf("right code after a wrong one: %v", err)
	}
}

func TestExpiredCode(t *testing.T) {
	g := gateway(t)
	ctx := testCtx(t)
	p, err := g.SendCode(ctx, creds, phoneHal)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(10 * time.Minute)
	_, err = g.SignIn(ctx, creds, phoneHal, p, codeFor(phoneHal))
	if !errors.Is(err, ErrPhoneCodeExpired) {
		t.Fatalf("SignIn after 10 minutes: %v, want ErrPhoneCodeExpired", err)
	}

	// A resent code is good again.
	p2, err := g.SendCode(ctx, creds, phoneHal)
	if err != nil {
		t.Fatal(err)
	}
	p3, err := g.ResendCode(ctx, creds, phoneHal, p2)
	if err != nil {
		t.Fatal(err)
	}
	if p3.CodeType != "sms" || p3.PhoneCodeHash == "" || len(p3.Session) == 0 {
		t.Fatalf("resent = %+v", p3)
	}
	if _, err := g.SignIn(ctx, creds, phoneHal, p3, codeFor(phoneHal)); err != nil {
		t.Fatalf("SignIn with the resent code: %v", err)
	}
}

func TestSendCodeErrors(t *testing.T) {
	g := gateway(t)
	cases := []struct {
		name  string
		creds Credentials
		phone string
		want  error
	}{
		{"unknown api id", Credentials{APIID: 7654321, APIHash: creds.APIHash}, phoneAnn, ErrAPIIDInvalid},
		{"wrong api hash", Credentials{APIID: creds.APIID, APIHash: "ffffffffffffffffffffffffffffffff"}, phoneAnn, ErrAPIIDInvalid},
		{"missing api id", Credentials{APIHash: creds.APIHash}, phoneAnn, ErrAPIIDInvalid},
		{"invalid phone", creds, "123", ErrPhoneNumberInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := g.SendCode(testCtx(t), c.creds, c.phone)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
}

func TestFloodWaitIsSurfaced(t *testing.T) {
	g := gateway(t)
	if err := sbx.SetFault(sandbox.Fault{Method: "auth.sendCode", Error: "FLOOD_WAIT_42"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sbx.ClearFaults)
	_, err := g.SendCode(testCtx(t), creds, phoneEve)
	var fw *FloodWaitError
	if !errors.As(err, &fw) {
		t.Fatalf("got %v, want *FloodWaitError", err)
	}
	if fw.Wait != 42*time.Second || fw.Method != "auth.sendCode" {
		t.Fatalf("flood wait %+v", fw)
	}
}

func TestLogOutRevokesSession(t *testing.T) {
	g := gateway(t)
	ctx := testCtx(t)
	res := login(t, g, phoneDan)
	if err := g.LogOut(ctx, creds, res.Session); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Self(ctx, creds, res.Session); !errors.Is(err, ErrSessionRevoked) {
		t.Fatalf("Self after LogOut: %v, want ErrSessionRevoked", err)
	}
}

func TestServerRevokedSessions(t *testing.T) {
	g := gateway(t)
	ctx := testCtx(t)
	res := login(t, g, phoneCleo)
	if n := sbx.RevokeSessions(phoneCleo); n != 1 {
		t.Fatalf("RevokeSessions = %d", n)
	}
	if _, err := g.Self(ctx, creds, res.Session); !errors.Is(err, ErrSessionRevoked) {
		t.Fatalf("Self after revoke: %v, want ErrSessionRevoked", err)
	}
}

func TestAuthorizationsAndReset(t *testing.T) {
	g := gateway(t)
	ctx := testCtx(t)
	first := login(t, g, phoneJo)
	second := login(t, g, phoneJo)

	list, err := g.Authorizations(ctx, creds, second.Session)
	if err != nil {
		t.Fatal(err)
	}
	var current, other *Authorization
	for i := range list {
		if list[i].Current {
			current = &list[i]
		} else {
			other = &list[i]
		}
	}
	if current == nil || other == nil {
		t.Fatalf("authorizations = %+v, want the current one and another", list)
	}
	if current.Device != "Telegramate" || current.System != "Linux" || current.APIID != creds.APIID || current.DateCreated.IsZero() {
		t.Errorf("current = %+v", current)
	}
	if err := g.ResetAuthorization(ctx, creds, second.Session, other.Hash); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Self(ctx, creds, first.Session); !errors.Is(err, ErrSessionRevoked) {
		t.Fatalf("Self on the reset device: %v, want ErrSessionRevoked", err)
	}
	if _, err := g.Self(ctx, creds, second.Session); err != nil {
		t.Fatalf("Self on the device that reset the other: %v", err)
	}
}

func TestRunClassifiesAndReturnsSession(t *testing.T) {
	g := gateway(t)
	ctx := testCtx(t)
	res := login(t, g, phoneIvy)

	var got int64
	out, err := g.Run(ctx, creds, res.Session, func(ctx context.Context, api *tg.Client) error {
		users, err := api.UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUserSelf{}})
		if err != nil {
			return err
		}
		got = users[0].(*tg.User).ID
		return nil
	})
	if err != nil || got != 1009 || len(out) == 0 {
		t.Fatalf("Run = %d, %d bytes, %v", got, len(out), err)
	}

	mine := errors.New("stop here")
	if _, err := g.Run(ctx, creds, out, func(context.Context, *tg.Client) error { return mine }); err != mine {
		t.Fatalf("fn's own error came back as %v", err)
	}

	if err := sbx.SetFault(sandbox.Fault{Method: "users.getUsers", Error: "FLOOD_WAIT_1"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sbx.ClearFaults)
	_, err = g.Run(ctx, creds, out, func(ctx context.Context, api *tg.Client) error {
		_, err := api.UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUserSelf{}})
		return err
	})
	var fw *FloodWaitError
	if !errors.As(err, &fw) || fw.Method != "users.getUsers" || fw.Wait != time.Second {
		t.Fatalf("Run without HonourFloodWait: %v, want FLOOD_WAIT of 1s", err)
	}
}

// TestFilePartsGoAsTheyAre: a file part reaches Telegram as it is, not
// gzip_packed, even one that would compress well.
func TestFilePartsGoAsTheyAre(t *testing.T) {
	g := gateway(t)
	ctx := testCtx(t)
	res := login(t, g, phoneLou)
	part := make([]byte, 512<<10) // zeros: deflate would take them to almost nothing
	_, err := g.Run(ctx, creds, res.Session, func(ctx context.Context, api *tg.Client) error {
		_, err := api.UploadSaveBigFilePart(ctx, &tg.UploadSaveBigFilePartRequest{FileID: 7, FilePart: 0, FileTotalParts: 2, Bytes: part})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := sbx.UploadedBytes()[1012]; got != int64(len(part)) {
		t.Fatalf("the sandbox got %d bytes of parts, want %d", got, len(part))
	}
	if got := sbx.UploadedPackedBytes()[1012]; got != 0 {
		t.Fatalf("%d bytes of file parts came gzip_packed, want none", got)
	}
}

func TestRunHonourFloodWait(t *testing.T) {
	g := gateway(t)
	ctx := testCtx(t)
	res := login(t, g, phoneIvy)
	if err := sbx.SetFault(sandbox.Fault{Method: "users.getUsers", Error: "FLOOD_WAIT_1"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sbx.ClearFaults)
	calls := 0
	_, err := g.Run(ctx, creds, res.Session, func(ctx context.Context, api *tg.Client) error {
		calls++
		_, err := api.UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUserSelf{}})
		return err
	}, HonourFloodWait(time.Minute))
	if err != nil || calls != 1 {
		t.Fatalf("Run with HonourFloodWait: %v after %d calls of fn", err, calls)
	}
}

func TestBadSessionBytes(t *testing.T) {
	g := gateway(t)
	if _, err := g.Self(testCtx(t), creds, Session("not a session")); !errors.Is(err, ErrSessionInvalid) {
		t.Fatalf("got %v, want ErrSessionInvalid", err)
	}
}

func TestSessionOnUnlistedDC(t *testing.T) {
	res := login(t, gateway(t), phoneFay) // DC 2
	only1, err := New(Config{DCs: map[int]string{1: sbx.DCs()[1]}, PublicKeyPEM: sbx.PublicKeyPEM()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = only1.Self(testCtx(t), creds, res.Session)
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "DC 2") {
		t.Fatalf("got %v, want ErrUnavailable naming DC 2", err)
	}
}

func TestUnreachableDC(t *testing.T) {
	g, err := New(Config{
		DCs:            map[int]string{1: "127.0.0.1:1"},
		PublicKeyPEM:   sbx.PublicKeyPEM(),
		ConnectTimeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.SendCode(testCtx(t), creds, phoneAnn)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("got %v, want ErrUnavailable", err)
	}
}

func TestWrongPublicKey(t *testing.T) {
	g, err := New(Config{DCs: sbx.DCs(), PublicKeyPEM: testKeyPEM(t), ConnectTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.SendCode(testCtx(t), creds, phoneAnn)
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "public key") {
		t.Fatalf("got %v, want ErrUnavailable naming the public key", err)
	}
}

// TestStepsLeaveNoGoroutines runs whole logins and checks every goroutine
// the clients started has ended once the steps returned. It counts only
// the clients' goroutines: the shared sandbox in this process starts and
// ends goroutines of its own whenever it likes.
func TestStepsLeaveNoGoroutines(t *testing.T) {
	g := gateway(t)
	login(t, g, phoneKim) // warm up anything the gateway starts once
	before := clientGoroutines()
	for range 3 {
		res := login(t, g, phoneKim)
		if _, err := g.Self(testCtx(t), creds, res.Session); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := g.SendCode(testCtx(t), creds, "123"); err == nil {
		t.Fatal("SendCode to a bad phone succeeded")
	}
	testkit.EventuallyWith(t, 10*time.Second, "the clients' goroutines to end", func() (bool, string) {
		after := clientGoroutines()
		return len(after) <= len(before), fmt.Sprintf("%d client goroutines before, %d after:\n\n%s", len(before), len(after), strings.Join(after, "\n\n"))
	})
}

// clientMarks are frames only a Telegram client's goroutines have: gotd's
// client, its MTProto connections and pools, and this package.
var clientMarks = []string{
	"github.com/gotd/td/telegram.", "github.com/gotd/td/telegram/internal/", "github.com/gotd/td/mtproto.",
	"github.com/gotd/td/pool.", "github.com/gotd/td/rpc.", "telegramate/internal/telegram.",
}

// clientGoroutines are the stacks of the goroutines, other than the
// caller's, that belong to a Telegram client and not to the sandbox.
func clientGoroutines() []string {
	buf := make([]byte, 4<<20)
	stacks := strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n")
	var out []string
	for _, st := range stacks[1:] { // the first is the caller's
		if strings.Contains(st, "telegramate/internal/sandbox") {
			continue
		}
		for _, m := range clientMarks {
			if strings.Contains(st, m) {
				out = append(out, st)
				break
			}
		}
	}
	return out
}

// TestNoAnswerInTimeIsUnavailable: a step whose time runs out while
// Telegram has not answered fails as Telegram unreachable, not as a bare
// deadline (which the web layer read as the database being busy).
func TestNoAnswerInTimeIsUnavailable(t *testing.T) {
	g := gateway(t)
	res := login(t, g, phoneIvy)
	ctx, cancel := context.WithTimeout(testCtx(t), 8*time.Second)
	defer cancel()
	t.Cleanup(func() { sbx.SetAnswerDelay(0) })
	_, err := g.Run(ctx, creds, res.Session, func(ctx context.Context, api *tg.Client) error {
		if _, err := api.UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUserSelf{}}); err != nil {
			return err
		}
		sbx.SetAnswerDelay(time.Minute)
		_, err := api.UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUserSelf{}})
		return err
	})
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a call Telegram did not answer in the step's time: %v, want ErrUnavailable (and the deadline)", err)
	}
}

// TestCallCutByTheClosingClientIsUnavailable: when the step's deadline
// passes, gotd may fail the call on its own context as the client closes
// ("engine forcibly closed: context canceled") before the deadline reaches
// the call. The step still ran out of time, and says so.
func TestCallCutByTheClosingClientIsUnavailable(t *testing.T) {
	g := gateway(t)
	res := login(t, g, phoneIvy)
	ctx, cancel := context.WithTimeout(testCtx(t), 3*time.Second)
	defer cancel()
	_, err := g.Run(ctx, creds, res.Session, func(ctx context.Context, api *tg.Client) error {
		<-ctx.Done()
		return fmt.Errorf("rpcDoRequest: engine forcibly closed: %w", context.Canceled)
	})
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a call cut by the closing client at the step's deadline: %v, want ErrUnavailable (and the deadline)", err)
	}
}

// TestNoConnectionInTimeIsAnError: a data center that accepts the
// connection and never answers leaves the step without a connection when
// its time runs out. That is Telegram unreachable, never a sent code:
// gotd's Run ends without an error when its context does before it
// connected, and SendCode used to return an empty Pending as success (the
// person waited for a code that was never sent).
func TestNoConnectionInTimeIsAnError(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() })
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	g, err := New(Config{DCs: map[int]string{1: silent.Addr().String()}, PublicKeyPEM: sbx.PublicKeyPEM()})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"the step's time ran out", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(testCtx(t), 2*time.Second)
		}, context.DeadlineExceeded},
		{"the caller went away", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(testCtx(t))
			time.AfterFunc(2*time.Second, cancel)
			return ctx, cancel
		}, context.Canceled},
	} {
		ctx, cancel := c.ctx()
		p, err := g.SendCode(ctx, creds, phoneIvy)
		cancel()
		if err == nil || !errors.Is(err, c.want) {
			t.Errorf("%s: SendCode returned %+v, %v; want an error with %v", c.name, p, err, c.want)
		}
		if errors.Is(c.want, context.DeadlineExceeded) && !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s: %v, want ErrUnavailable", c.name, err)
		}
	}
}
