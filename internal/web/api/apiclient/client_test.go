package apiclient_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
	"github.com/telegramate/telegramate/internal/web/api/apiclient"
)

var sbx *sandbox.Server

// One sender in a group of five people, one a bot.
const world = `{
  "dcs": [1],
  "apps": [{"api_id": 2200031, "api_hash": "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"}],
  "users": [
    {"id": 4331, "phone": "9996611331", "first_name": "Ann", "username": "ann_client"},
    {"id": 5301, "first_name": "Alice", "username": "alice_c"},
    {"id": 5302, "first_name": "Bruno", "username": "bruno_c"},
    {"id": 5303, "first_name": "Chloé", "username": "chloe_c"},
    {"id": 5304, "first_name": "Dmitri", "username": "dmitri_c"},
    {"id": 5305, "first_name": "Helper", "username": "helper_bot", "bot": true}
  ],
  "chats": [
    {"id": 7331, "type": "supergroup", "title": "Client club", "username": "client_club", "creator": 4331,
     "members": [4331, 5301, 5302, 5303, 5304, 5305]}
  ]
}`

func TestMain(m *testing.M) {
	w, err := sandbox.ParseWorld([]byte(world))
	if err == nil {
		sbx, err = sandbox.Start(context.Background(), w, sandbox.Options{Listen: "127.0.0.1:0"})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(1)
	}
	testkit.Main(m)
}

// TestGeneratedClientRunsTheMainTask: the client oapi-codegen generated
// from the document's 3.0 form connects an account (phone, then the login
// code), extracts a group's members, and runs a campaign to them, reading
// every answer (the data endpoints' rows too) with its own types. Judged
// from the sandbox's record: each member got the message once. The
// committed document is also the one the product serves, so the
// generated code follows the API.
func TestGeneratedClientRunsTheMainTask(t *testing.T) {
	a := apptest.StartApp(t, apptest.AppSandbox(t, sbx))
	st, err := storeopen.Open(context.Background(), storeopen.Options{DataDir: a.Config.DataDir, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(context.Background(), store.NewUser{Email: "client@example.com", PasswordHash: "x", Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	token := a.APIAs(t, "client@example.com").Token

	served, err := http.Get(a.URL + "/api/v1/openapi-3.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer served.Body.Close()
	if !sameDocument(t, served) {
		t.Error("openapi-3.0.json differs from the document the product serves: run go generate ./internal/web/api/apiclient/")
	}

	ctx := context.Background()
	c, err := apiclient.NewClientWithResponses(a.URL+"/api/v1", apiclient.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	str := func(s string) *string { return &s }

	// Connect: the phone, then the code the sandbox sends its test numbers.
	conn, err := c.ConnectAccountWithResponse(ctx, apiclient.ConnectAccountJSONRequestBody{ApiId: 2200031, ApiHash: str("3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"), Phone: str("+9996611331")})
	if err != nil || conn.JSON201 == nil {
		t.Fatalf("connect: %v %s", err, body(conn))
	}
	code, err := c.SubmitAccountCodeWithResponse(ctx, conn.JSON201.Id, apiclient.SubmitAccountCodeJSONRequestBody{Code: str("11111")})
	if err != nil || code.JSON200 == nil || code.JSON200.Status != apiclient.LoginStepStatusActive {
		t.Fatalf("code: %v %s", err, body(code))
	}
	account := code.JSON200.Id
	// A wrong request reads as the shared error shape.
	bad, err := c.GetCampaignWithResponse(ctx, 999999)
	if err != nil || bad.JSON404 == nil || bad.JSON404.Error.Code != "not_found" {
		t.Errorf("an unknown campaign: %v %s", err, body(bad))
	}

	// Extract the group's members.
	x, err := c.StartExtractionWithResponse(ctx, apiclient.StartExtractionJSONRequestBody{AccountId: account, Chat: str("@client_club")})
	if err != nil || x.JSON201 == nil {
		t.Fatalf("extraction: %v %s", err, body(x))
	}
	var progress *apiclient.Progress
	testkit.Eventually(t, 2*time.Minute, "the extraction to complete", func() bool {
		got, err := c.GetExtractionWithResponse(ctx, x.JSON201.Id)
		if err != nil || got.JSON200 == nil {
			t.Fatalf("extraction progress: %v %s", err, body(got))
		}
		progress = got.JSON200
		return progress.Status == apiclient.ProgressStatusCompleted
	})
	members, err := c.ListExtractionMembersWithResponse(ctx, progress.Id, nil)
	if err != nil || members.JSON200 == nil {
		t.Fatalf("members: %v %s", err, body(members))
	}
	if page := members.JSON200; page.Members == nil || len(*page.Members) != 6 || page.Total != 6 {
		t.Errorf("members %s, want the group's 6", members.Body)
	}

	// A campaign to them, unpaced, started and followed to its end.
	zero, cap := int64(0), int64(100)
	made, err := c.CreateCampaignWithResponse(ctx, apiclient.CreateCampaignJSONRequestBody{Name: "Generated", Message: "Hi {first_name|there}, from a generated client",
		Audience:         apiclient.CampaignInAudienceStruct{ExtractionIds: &[]int64{progress.Id}},
		SenderAccountIds: &[]int64{account}, Pacing: &apiclient.CampaignInPacingStruct{MinIntervalSeconds: &zero, DailyCap: &cap}})
	if err != nil || made.JSON201 == nil {
		t.Fatalf("create campaign: %v %s", err, body(made))
	}
	if started, err := c.StartCampaignWithResponse(ctx, made.JSON201.Id); err != nil || started.JSON200 == nil {
		t.Fatalf("start: %v %s", err, body(started))
	}
	testkit.Eventually(t, 2*time.Minute, "the campaign to complete", func() bool {
		got, err := c.GetCampaignWithResponse(ctx, made.JSON201.Id)
		if err != nil || got.JSON200 == nil {
			t.Fatalf("campaign: %v %s", err, body(got))
		}
		return got.JSON200.Status == apiclient.CampaignStatusCompleted
	})
	rows, err := c.ListCampaignDeliveriesWithResponse(ctx, made.JSON201.Id, nil)
	if err != nil || rows.JSON200 == nil {
		t.Fatalf("deliveries: %v %s", err, body(rows))
	}
	got := map[int64]int{}
	for _, m := range sbx.Messages() {
		if m.From == 4331 && !m.Reply {
			got[m.To]++
		}
	}
	sent := 0
	for _, r := range *rows.JSON200 {
		switch {
		case r.UserId == 4331 || r.UserId == 5305: // the sender itself and the bot are skipped
			if r.State != "skipped" || got[r.UserId] != 0 {
				t.Errorf("delivery to %d: %s (%s), and the sandbox has %d messages to them", r.UserId, r.State, r.Reason, got[r.UserId])
			}
		case r.State != "sent" || got[r.UserId] != 1 || r.FirstName == "":
			t.Errorf("delivery to %d (%q): %s, and the sandbox has %d messages to them", r.UserId, r.FirstName, r.State, got[r.UserId])
		default:
			sent++
		}
	}
	if sent != 4 || len(got) != 4 {
		t.Errorf("%d sent and %d recipients in the sandbox, want the 4 people", sent, len(got))
	}
}

// answer is what every generated response has.
type answer interface {
	StatusCode() int
	GetBody() []byte
}

// body is an answer's status and body for a failure message.
func body(r answer) string {
	if reflect.ValueOf(r).IsNil() {
		return "(no answer)"
	}
	return fmt.Sprintf("%d %s", r.StatusCode(), r.GetBody())
}

// sameDocument compares the served document with the committed one, the
// version aside (a build's, "dev" in the file).
func sameDocument(t *testing.T, served *http.Response) bool {
	t.Helper()
	read := func(r io.Reader) map[string]any {
		var doc map[string]any
		if err := json.NewDecoder(r).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		doc["info"].(map[string]any)["version"] = ""
		return doc
	}
	f, err := os.Open("openapi-3.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return reflect.DeepEqual(read(served.Body), read(f))
}
