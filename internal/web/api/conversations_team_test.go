package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
	"github.com/telegramate/telegramate/internal/tokens"
)

// TestConversationsAPITeam drives the team's inbox through the API:
// assign (to a member, to nobody; a non-member and a viewer refused with
// nothing changed), the assigned filter, notes (their own list, never in
// the messages), and answers carrying answered_by.
func TestConversationsAPITeam(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole app against the sandbox")
	}
	w, err := sandbox.ParseWorld([]byte(inboxWorld))
	if err != nil {
		t.Fatal(err)
	}
	sbx, err := sandbox.Start(context.Background(), w, sandbox.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sbx.Close() })
	a := apptest.StartApp(t, apptest.AppSandbox(t, sbx))
	ctx := context.Background()
	st, err := storeopen.Open(ctx, storeopen.Options{DataDir: a.Config.DataDir, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	users := map[string]store.User{}
	for _, email := range []string{"owner@example.com", "bea@example.com", "vic@example.com", "out@example.com"} {
		if users[email], err = st.CreateUser(ctx, store.NewUser{Email: email, PasswordHash: "x", Now: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	mine, err := st.UserWorkspaces(ctx, users["owner@example.com"].ID)
	if err != nil {
		t.Fatal(err)
	}
	ws := mine[0].ID
	as := func(email, role string) apptest.APIClient {
		t.Helper()
		if role != "" {
			if err := st.AddWorkspaceMember(ctx, ws, users[email].ID, role, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		tok, _, err := tokens.New(st).CreateIn(ctx, tokens.NewToken{UserID: users[email].ID, WorkspaceID: ws, Name: "tests"})
		if err != nil {
			t.Fatal(err)
		}
		return apptest.APIClient{T: t, Base: a.URL, Token: string(tok)}
	}
	owner := a.APIAs(t, "owner@example.com")
	bea, vic := as("bea@example.com", "operator"), as("vic@example.com", "viewer")
	acct := owner.Connect(2400001, "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e", "9996611501")
	a.WaitListening(t, acct)
	if _, err := sbx.Write(ivyTG, annTG, "Hello team", nil); err != nil {
		t.Fatal(err)
	}
	type conv struct {
		ID         int64 `json:"id"`
		AssignedTo *struct {
			UserID int64  `json:"user_id"`
			Email  string `json:"email"`
		} `json:"assigned_to"`
	}
	var l struct {
		Conversations []conv `json:"conversations"`
	}
	testkit.Eventually(t, 90*time.Second, "Ivy's conversation", func() bool {
		bea.Call("GET", "/conversations", nil).Into(t, 200, &l)
		return len(l.Conversations) > 0
	})
	id := l.Conversations[0].ID
	if l.Conversations[0].AssignedTo != nil {
		t.Errorf("a new conversation is assigned: %+v", l.Conversations[0].AssignedTo)
	}
	path := fmt.Sprintf("/conversations/%d", id)
	listed := func(c apptest.APIClient, assigned string) int {
		t.Helper()
		c.Call("GET", "/conversations?assigned="+assigned, nil).Into(t, 200, &l)
		return len(l.Conversations)
	}

	beaID := users["bea@example.com"].ID
	var got conv
	bea.Call("POST", path+"/assign", map[string]any{"user_id": beaID}).Into(t, 200, &got)
	if got.AssignedTo == nil || got.AssignedTo.UserID != beaID || got.AssignedTo.Email != "bea@example.com" {
		t.Errorf("assigned to bea: %+v", got.AssignedTo)
	}
	if listed(bea, "mine") != 1 || listed(owner, "mine") != 0 || listed(bea, "unassigned") != 0 || listed(bea, "all") != 1 {
		t.Error("the assigned filter does not follow the assignment")
	}
	for _, who := range []int64{users["out@example.com"].ID, users["vic@example.com"].ID} {
		r := bea.Call("POST", path+"/assign", map[string]any{"user_id": who})
		if code := errorOf(t, r); r.Status != 422 || code != "not_a_member" {
			t.Errorf("assigning %d: %d %s", who, r.Status, r.Body)
		}
	}
	if r := bea.Call("POST", path+"/assign", map[string]any{"user_id": -3}); r.Status != 422 {
		t.Errorf("assigning -3: %d %s", r.Status, r.Body)
	}
	if r := bea.Call("POST", path+"/assign", map[string]any{}); r.Status != 422 {
		t.Errorf("assigning without user_id: %d %s", r.Status, r.Body)
	}
	if r := vic.Call("POST", path+"/assign", map[string]any{"user_id": nil}); r.Status != 403 {
		t.Errorf("a viewer unassigns: %d %s", r.Status, r.Body)
	} else if code := errorOf(t, r); code != "forbidden" {
		t.Errorf("a viewer unassigns: %s", r.Body)
	}
	if r := owner.Call("POST", "/conversations/999999/assign", map[string]any{"user_id": nil}); r.Status != 404 {
		t.Errorf("assigning a conversation that is not there: %d", r.Status)
	}
	bea.Call("GET", path+"/messages", nil) // opens it
	owner.Call("GET", "/conversations", nil).Into(t, 200, &l)
	if len(l.Conversations) != 1 || l.Conversations[0].AssignedTo == nil || l.Conversations[0].AssignedTo.UserID != beaID {
		t.Errorf("refused assignments changed it: %+v", l.Conversations)
	}
	bea.Call("POST", path+"/assign", map[string]any{"user_id": nil}).Into(t, 200, &got)
	if got.AssignedTo != nil || listed(owner, "unassigned") != 1 {
		t.Errorf("unassigned: %+v", got.AssignedTo)
	}

	// Notes: their own list; never a message.
	var note struct {
		ID     int64  `json:"id"`
		Text   string `json:"text"`
		Author struct {
			UserID int64  `json:"user_id"`
			Email  string `json:"email"`
		} `json:"author"`
	}
	bea.Call("POST", path+"/notes", map[string]string{"text": "Call her back Monday"}).Into(t, 201, &note)
	if note.Text != "Call her back Monday" || note.Author.Email != "bea@example.com" {
		t.Errorf("note %+v", note)
	}
	if r := vic.Call("POST", path+"/notes", map[string]string{"text": "x"}); r.Status != 403 {
		t.Errorf("a viewer's note: %d", r.Status)
	}
	if r := bea.Call("POST", path+"/notes", map[string]string{"text": " "}); r.Status != 422 {
		t.Errorf("an empty note: %d", r.Status)
	}
	var notes struct {
		Notes []struct {
			Text string `json:"text"`
		} `json:"notes"`
	}
	vic.Call("GET", path+"/notes", nil).Into(t, 200, &notes)
	if len(notes.Notes) != 1 || notes.Notes[0].Text != "Call her back Monday" {
		t.Errorf("notes as the viewer reads them: %+v", notes)
	}

	// An answer names its author.
	if r := vic.Call("POST", path+"/messages", map[string]string{"text": "hi"}); r.Status != 403 {
		t.Errorf("a viewer's answer: %d", r.Status)
	}
	var m struct {
		Text       string `json:"text"`
		AnsweredBy *struct {
			UserID int64  `json:"user_id"`
			Email  string `json:"email"`
		} `json:"answered_by"`
	}
	bea.Call("POST", path+"/messages", map[string]string{"text": "Hi Ivy!"}).Into(t, 201, &m)
	if m.AnsweredBy == nil || m.AnsweredBy.UserID != beaID || m.AnsweredBy.Email != "bea@example.com" {
		t.Errorf("the answer's answered_by: %+v", m.AnsweredBy)
	}
	var thread struct {
		Messages []struct {
			Origin     string          `json:"origin"`
			Text       string          `json:"text"`
			AnsweredBy *map[string]any `json:"answered_by"`
		} `json:"messages"`
	}
	owner.Call("GET", path+"/messages", nil).Into(t, 200, &thread)
	for _, x := range thread.Messages {
		if x.Text == "Call her back Monday" {
			t.Error("a note is in the messages")
		}
		if (x.Origin == "answer") != (x.AnsweredBy != nil) {
			t.Errorf("message %q (%s): answered_by %v", x.Text, x.Origin, x.AnsweredBy)
		}
	}
}

// errorOf reads an API error's code.
func errorOf(t *testing.T, r apptest.Response) string {
	t.Helper()
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Errorf("not an API error: %s", r.Body)
	}
	return e.Error.Code
}
