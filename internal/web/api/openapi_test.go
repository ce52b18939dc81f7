package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
	"github.com/telegramate/telegramate/internal/users"
)

// The world of TestEveryAnswerMatchesTheDocument: Ann sends, Bob logs in
// with a password, Carl's login is left half-way; the Meetup group holds
// people to extract and write to, Grace among them answers.
const docWorld = `{
  "dcs": [1],
  "apps": [{"api_id": 2300001, "api_hash": "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"},
           {"api_id": 2300002, "api_hash": "4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d"},
           {"api_id": 2300003, "api_hash": "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e"},
           {"api_id": 2300004, "api_hash": "6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f"}],
  "users": [
    {"id": 4401, "phone": "9996611401", "first_name": "Ann", "username": "ann_doc"},
    {"id": 4402, "phone": "9996621402", "first_name": "Bob", "username": "bob_doc", "password": "hunter22"},
    {"id": 4403, "phone": "9996631403", "first_name": "Carl", "username": "carl_doc"},
    {"id": 5401, "first_name": "Grace", "username": "grace_doc", "reply": "Thanks, I'll be there!"},
    {"id": 5402, "first_name": "Jonas", "username": "jonas_doc"},
    {"id": 5403, "first_name": "Lena", "username": "lena_doc"}
  ],
  "chats": [
    {"id": 7401, "type": "supergroup", "title": "Meetup", "username": "meetup_doc", "creator": 4402,
     "members": [4402, 4401, 5401, 5402, 5403]}
  ]
}`

const (
	docAPIID   = 2300001
	docAPIHash = "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"
	docAPIID2  = 2300002
	docHash2   = "4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d"
	docAPIID3  = 2300003
	docHash3   = "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e"
	docAPIID4  = 2300004
	docHash4   = "6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f"
)

// docChecker validates every answer of the API against the served OpenAPI
// document with kin-openapi, as a client generated from it would read it,
// and keeps which operations answered with what.
type docChecker struct {
	t      *testing.T
	doc    *openapi3.T
	router routers.Router

	mu       sync.Mutex
	seen     map[string]map[string]bool // operation id → "status media type"
	reported map[string]bool
}

func newDocChecker(t *testing.T, base string) *docChecker {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/openapi-3.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("load the document: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the document is not valid OpenAPI: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: base + "/api/v1"}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &docChecker{t: t, doc: doc, router: router, seen: map[string]map[string]bool{}, reported: map[string]bool{}}
}

// RoundTrip sends the request and checks its answer: its status must be
// one the operation documents, and its headers and body must match that
// answer's content for the media type it came with.
func (c *docChecker) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))

	route, params, err := c.router.FindRoute(req)
	if err != nil {
		c.t.Errorf("%s %s: not in the document: %v", req.Method, req.URL.Path, err)
		return resp, nil
	}
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(req.Context(), in); err != nil && c.firstTime(req.Method+req.URL.Path+err.Error()) {
		c.t.Errorf("%s %s answered %d %s, which the document does not describe: %v\nbody: %.400s",
			req.Method, req.URL.RequestURI(), resp.StatusCode, resp.Header.Get("Content-Type"), err, body)
	}
	media, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	c.mu.Lock()
	defer c.mu.Unlock()
	id := route.Operation.OperationID
	if c.seen[id] == nil {
		c.seen[id] = map[string]bool{}
	}
	c.seen[id][strconv.Itoa(resp.StatusCode)+" "+media] = true
	return resp, nil
}

// firstTime reports whether a finding is new, so a polled answer that
// does not match is reported once.
func (c *docChecker) firstTime(finding string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reported[finding] {
		return false
	}
	c.reported[finding] = true
	return true
}

// checkCoverage fails for an operation of the document no request reached
// with a success, and for a success media type no answer came in: a new
// endpoint or format cannot escape the check.
func (c *docChecker) checkCoverage(errorOnly map[string]string) {
	c.t.Helper()
	for path, item := range c.doc.Paths.Map() {
		for method, op := range item.Operations() {
			seen := c.seen[op.OperationID]
			if len(seen) == 0 {
				c.t.Errorf("%s %s (%s) was never called: add it to this test", method, path, op.OperationID)
				continue
			}
			if why, ok := errorOnly[op.OperationID]; ok {
				c.t.Logf("%s: only its error answers are checked (%s): %v", op.OperationID, why, seen)
				continue
			}
			for status, r := range op.Responses.Map() {
				if !strings.HasPrefix(status, "2") {
					continue
				}
				if r.Value.Content == nil {
					if !seen[status+" "] {
						c.t.Errorf("%s never answered %s (answers seen: %v)", op.OperationID, status, keys(seen))
					}
					continue
				}
				for media := range r.Value.Content {
					if media == "*/*" && slices.ContainsFunc(keys(seen), func(k string) bool { return strings.HasPrefix(k, status+" ") }) {
						continue // a file served as its own type: any answer of the status covers it
					}
					if !seen[status+" "+media] {
						c.t.Errorf("%s never answered %s %s (answers seen: %v)", op.OperationID, status, media, keys(seen))
					}
				}
			}
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// docClient calls the API through the checker.
type docClient struct {
	t     *testing.T
	base  string
	token string
	http  *http.Client
}

type answer struct {
	status int
	body   []byte
}

func (a answer) into(t *testing.T, status int, v any) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.body)
	}
	if v != nil {
		if err := json.Unmarshal(a.body, v); err != nil {
			t.Fatalf("decode %s: %v", a.body, err)
		}
	}
}

// raw sends a request; a 503 (the database or Telegram busy on this
// shared machine; nothing changed) is checked like any answer, then the
// request is sent again, as a client honouring Retry-After would.
func (c docClient) raw(method, path, contentType string, body []byte) answer {
	c.t.Helper()
	var a answer
	testkit.Eventually(c.t, 3*time.Minute, method+" "+path+" answers other than 503", func() bool {
		a = c.once(method, path, contentType, body)
		return a.status != http.StatusServiceUnavailable
	})
	return a
}

func (c docClient) once(method, path, contentType string, body []byte) answer {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+"/api/v1"+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, body: b}
}

func (c docClient) call(method, path string, body any) answer {
	c.t.Helper()
	if body == nil {
		return c.raw(method, path, "", nil)
	}
	b, err := json.Marshal(body)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.raw(method, path, "application/json", b)
}

// TestEveryAnswerMatchesTheDocument calls every operation of the API on the
// whole app (SQLite, the sandbox over MTProto) and checks each real answer
// (status, Content-Type, headers, body) against the OpenAPI document it
// serves, so the document cannot drift from the handlers.
func TestEveryAnswerMatchesTheDocument(t *testing.T) {
	w, err := sandbox.ParseWorld([]byte(docWorld))
	if err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.Start(context.Background(), w, sandbox.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	app := apptest.StartApp(t, apptest.AppSandbox(t, sb), apptest.AppArgs("--webhook-allow-private"))
	token := signUp(t, app)

	openapi3filter.RegisterBodyDecoder("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/pdf", openapi3filter.FileBodyDecoder)
	chk := newDocChecker(t, app.URL)
	c := docClient{t: t, base: app.URL, token: token, http: &http.Client{Transport: chk}}
	anon := c
	anon.token = ""

	// Error answers, in the one shape.
	anon.call("GET", "/me", nil).into(t, 401, nil)
	c.call("GET", "/accounts/999", nil).into(t, 404, nil)
	c.call("GET", "/accounts/abc", nil).into(t, 422, nil)
	c.raw("POST", "/accounts", "text/plain", []byte("hello")).into(t, 415, nil)
	c.raw("POST", "/accounts", "application/json", []byte("{")).into(t, 400, nil)
	c.call("POST", "/accounts", map[string]any{"api_id": docAPIID, "api_hash": "short", "phone": "+9996611401"}).into(t, 422, nil)

	c.call("GET", "/me", nil).into(t, 200, nil)

	// Accounts: Ann with a code, Bob with a password, Carl half-way.
	type step struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	var s step
	c.call("POST", "/accounts", map[string]any{"api_id": docAPIID, "api_hash": docAPIHash, "phone": "+9996611401"}).into(t, 201, &s)
	ann := s.ID
	c.call("POST", fmt.Sprintf("/accounts/%d/code", ann), map[string]string{"code": "11111"}).into(t, 200, &s)
	c.call("POST", "/accounts", map[string]any{"api_id": docAPIID2, "api_hash": docHash2, "phone": "+9996621402"}).into(t, 201, &s)
	bob := s.ID
	c.call("POST", fmt.Sprintf("/accounts/%d/code", bob), map[string]string{"code": "22222"}).into(t, 200, &s)
	c.call("POST", fmt.Sprintf("/accounts/%d/password", bob), map[string]string{"password": "hunter22"}).into(t, 200, &s)
	if s.Status != "active" {
		t.Fatalf("Bob after his password: %+v", s)
	}
	c.call("POST", "/accounts", map[string]any{"api_id": docAPIID3, "api_hash": docHash3, "phone": "+9996631403"}).into(t, 201, &s)
	carl := s.ID
	c.call("POST", fmt.Sprintf("/accounts/%d/resend-code", carl), nil)
	c.call("DELETE", fmt.Sprintf("/accounts/%d/login", carl), nil)

	c.call("GET", "/accounts", nil).into(t, 200, nil)
	c.call("GET", fmt.Sprintf("/accounts/%d", ann), nil).into(t, 200, nil)
	c.call("GET", fmt.Sprintf("/accounts/%d/activity", ann), nil).into(t, 200, nil)
	var sessions struct {
		Sessions []struct {
			Hash    string `json:"hash"`
			Current bool   `json:"current"`
		} `json:"sessions"`
	}
	c.call("GET", fmt.Sprintf("/accounts/%d/sessions", ann), nil).into(t, 200, &sessions)
	hash := "1"
	for _, s := range sessions.Sessions {
		if !s.Current {
			hash = s.Hash
		}
	}
	c.call("DELETE", fmt.Sprintf("/accounts/%d/sessions/%s", ann, hash), nil)
	c.call("POST", fmt.Sprintf("/accounts/%d/reset-limit", ann), nil)

	// Extraction and member lists, in every format.
	c.call("GET", fmt.Sprintf("/accounts/%d/chats?refresh=true", ann), nil).into(t, 200, nil)
	type extraction struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
		ListID int64  `json:"list_id"`
	}
	extractAll := func(account int64) extraction {
		var x extraction
		c.call("POST", "/extractions", map[string]any{"account_id": account, "chat_id": 7401}).into(t, 201, &x)
		testkit.Eventually(t, time.Minute, "the extraction completes", func() bool {
			c.call("GET", fmt.Sprintf("/extractions/%d", x.ID), nil).into(t, 200, &x)
			return x.Status == "completed"
		})
		return x
	}
	x1 := extractAll(ann)
	c.call("POST", fmt.Sprintf("/extractions/%d/cancel", x1.ID), nil)
	c.call("GET", "/extractions", nil).into(t, 200, nil)
	for _, f := range []string{"json", "csv", "xlsx"} {
		c.call("GET", fmt.Sprintf("/extractions/%d/members?format=%s", x1.ID, f), nil).into(t, 200, nil)
	}
	var lists struct {
		Lists []struct {
			ID           int64 `json:"id"`
			ExtractionID int64 `json:"extraction_id"`
		} `json:"lists"`
	}
	c.call("GET", "/member-lists", nil).into(t, 200, &lists)
	x2 := extractAll(bob)
	var merged struct {
		ID int64 `json:"id"`
	}
	var listIDs []int64
	c.call("GET", "/member-lists", nil).into(t, 200, &lists)
	for _, l := range lists.Lists {
		if l.ExtractionID == x1.ID || l.ExtractionID == x2.ID {
			listIDs = append(listIDs, l.ID)
		}
	}
	c.call("POST", "/member-lists/merge", map[string]any{"name": "Everyone", "list_ids": listIDs}).into(t, 201, &merged)
	for _, f := range []string{"json", "csv", "xlsx"} {
		c.call("GET", fmt.Sprintf("/member-lists/%d/members?format=%s", merged.ID, f), nil).into(t, 200, nil)
	}

	// Media: a file stored, a body that is not a form refused.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	part, _ := mw.CreateFormFile("file", "notes.txt")
	_, _ = part.Write([]byte("Agenda: talks at 7, drinks after."))
	_ = mw.Close()
	c.raw("POST", "/media", mw.FormDataContentType(), form.Bytes()).into(t, 201, nil)
	c.raw("POST", "/media", "text/plain", []byte("hello")).into(t, 415, nil)

	// Suppressions.
	c.call("POST", "/suppressions", map[string]any{"user_id": 5403, "reason": "asked"}).into(t, 201, nil)
	c.raw("POST", "/suppressions/import", "text/csv", []byte("user_id\n5402\nnot a user\n")).into(t, 200, nil)
	c.call("GET", "/suppressions", nil).into(t, 200, nil)
	c.call("GET", "/suppressions?format=csv", nil).into(t, 200, nil)
	c.call("DELETE", "/suppressions/5402", nil).into(t, 204, nil)

	// Campaigns: one sent to the end (Grace answers), one cancelled.
	c.call("POST", "/campaigns/preview", map[string]any{"message": "Hi {first_name|there}, **see you**", "first_name": "Grace"}).into(t, 200, nil)
	c.call("POST", "/campaigns/test-send", map[string]any{"account_id": ann, "message": "Hi **there**"}).into(t, 204, nil)
	type campaign struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	var camp campaign
	c.call("POST", "/campaigns", map[string]any{
		"name": "Meetup", "message": "Hi {first_name}, come to the meetup",
		"audience": map[string]any{"list_ids": []int64{merged.ID}}, "sender_account_ids": []int64{ann},
		"pacing": map[string]any{"min_interval_seconds": 0},
	}).into(t, 201, &camp)
	c.call("GET", "/campaigns", nil).into(t, 200, nil)
	c.call("POST", fmt.Sprintf("/campaigns/%d/start", camp.ID), nil).into(t, 200, nil)
	c.call("POST", fmt.Sprintf("/campaigns/%d/pause", camp.ID), nil)
	c.call("POST", fmt.Sprintf("/campaigns/%d/resume", camp.ID), nil)
	var replies struct {
		Replies []struct{} `json:"replies"`
	}
	testkit.Eventually(t, 2*time.Minute, "the campaign completes and Grace's answer is in", func() bool {
		c.call("GET", fmt.Sprintf("/campaigns/%d", camp.ID), nil).into(t, 200, &camp)
		c.call("GET", fmt.Sprintf("/campaigns/%d/replies", camp.ID), nil).into(t, 200, &replies)
		return camp.Status == "completed" && len(replies.Replies) > 0
	})
	c.call("GET", fmt.Sprintf("/campaigns/%d/deliveries", camp.ID), nil).into(t, 200, nil)
	c.call("GET", fmt.Sprintf("/campaigns/%d/deliveries?format=csv", camp.ID), nil).into(t, 200, nil)
	var draft campaign
	c.call("POST", "/campaigns", map[string]any{
		"name": "Later", "message": "Hi", "audience": map[string]any{"user_ids": []int64{5401}}, "sender_account_ids": []int64{ann},
		"steps": []map[string]any{{"message": "Still keen, {first_name|there}?", "after_seconds": 172800}},
	}).into(t, 201, &draft)
	c.call("POST", "/campaigns", map[string]any{
		"name": "Bad step", "message": "Hi", "audience": map[string]any{"user_ids": []int64{5401}}, "sender_account_ids": []int64{ann},
		"steps": []map[string]any{{"message": "Hi {nickname}", "after_seconds": 60}},
	}).into(t, 422, nil)
	c.call("POST", fmt.Sprintf("/campaigns/%d/cancel", draft.ID), nil).into(t, 200, nil)

	// The inbox: Grace's answer is a conversation.
	var convs struct {
		Conversations []struct {
			ID int64 `json:"id"`
		} `json:"conversations"`
	}
	testkit.Eventually(t, time.Minute, "Grace's conversation is in the inbox", func() bool {
		c.call("GET", "/conversations", nil).into(t, 200, &convs)
		return len(convs.Conversations) > 0
	})
	conv := convs.Conversations[0].ID
	c.call("GET", fmt.Sprintf("/conversations/%d/messages", conv), nil).into(t, 200, nil)
	// Grace sends a file: its bytes are served; a text message has none.
	if _, err := sb.Write(5401, 4401, "the agenda", &sandbox.Media{Type: "document", Data: []byte("%PDF-1.4\n%agenda\n"),
		FileName: "agenda.pdf", MimeType: "application/pdf"}); err != nil {
		t.Fatal(err)
	}
	var graces struct {
		Conversations []struct {
			ID     int64 `json:"id"`
			Person struct {
				UserID int64 `json:"user_id"`
			} `json:"person"`
		} `json:"conversations"`
	}
	var grace int64
	var thread struct {
		Messages []struct {
			ID    int64     `json:"id"`
			Media *struct{} `json:"media"`
		} `json:"messages"`
	}
	testkit.Eventually(t, time.Minute, "Grace's file is in her conversation", func() bool {
		c.call("GET", "/conversations", nil).into(t, 200, &graces)
		for _, x := range graces.Conversations {
			if x.Person.UserID == 5401 {
				grace = x.ID
			}
		}
		if grace == 0 {
			return false
		}
		c.call("GET", fmt.Sprintf("/conversations/%d/messages", grace), nil).into(t, 200, &thread)
		return len(thread.Messages) > 1 && thread.Messages[0].Media != nil
	})
	c.call("GET", fmt.Sprintf("/conversations/%d/messages/%d/media", grace, thread.Messages[0].ID), nil).into(t, 200, nil)
	c.call("GET", fmt.Sprintf("/conversations/%d/messages/%d/media", grace, thread.Messages[1].ID), nil).into(t, 404, nil)
	c.call("POST", fmt.Sprintf("/conversations/%d/messages", conv), map[string]string{"text": "See you **Friday**"}).into(t, 201, nil)
	c.call("POST", fmt.Sprintf("/conversations/%d/done", conv), nil).into(t, 200, nil)
	c.call("POST", fmt.Sprintf("/conversations/%d/reopen", conv), nil).into(t, 200, nil)
	var self struct {
		ID int64 `json:"id"`
	}
	c.call("GET", "/me", nil).into(t, 200, &self)
	c.call("POST", fmt.Sprintf("/conversations/%d/assign", conv), map[string]any{"user_id": self.ID}).into(t, 200, nil)
	c.call("POST", fmt.Sprintf("/conversations/%d/assign", conv), map[string]any{"user_id": 999999}).into(t, 422, nil)
	c.call("POST", fmt.Sprintf("/conversations/%d/assign", conv), map[string]any{"user_id": nil}).into(t, 200, nil)
	c.call("POST", fmt.Sprintf("/conversations/%d/notes", conv), map[string]string{"text": "Call back on Monday"}).into(t, 201, nil)
	c.call("POST", fmt.Sprintf("/conversations/%d/notes", conv), map[string]string{"text": ""}).into(t, 422, nil)
	c.call("GET", fmt.Sprintf("/conversations/%d/notes", conv), nil).into(t, 200, nil)

	// Webhooks, to a receiver on 127.0.0.1.
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer hook.Close()
	var wh struct {
		ID int64 `json:"id"`
	}
	c.call("POST", "/webhooks", map[string]any{"url": hook.URL + "/hook", "events": []string{"delivery.sent"}}).into(t, 201, &wh)
	c.call("GET", "/webhooks", nil).into(t, 200, nil)
	c.call("POST", fmt.Sprintf("/webhooks/%d/test", wh.ID), nil)
	c.call("GET", fmt.Sprintf("/webhooks/%d/deliveries", wh.ID), nil).into(t, 200, nil)
	c.call("POST", fmt.Sprintf("/webhooks/%d/enable", wh.ID), nil)
	c.call("DELETE", fmt.Sprintf("/webhooks/%d", wh.ID), nil).into(t, 204, nil)

	// Workspaces and their members: Ben joins Ann's, becomes an operator,
	// and is removed; the owner's role moves only with ownership.
	var wss struct {
		Workspaces []struct {
			ID int64 `json:"id"`
		} `json:"workspaces"`
	}
	c.call("GET", "/workspaces", nil).into(t, 200, &wss)
	if len(wss.Workspaces) != 1 {
		t.Fatalf("ann's workspaces: %+v", wss)
	}
	ws := wss.Workspaces[0].ID
	c.call("POST", "/workspaces", map[string]any{"name": "Second"}).into(t, 201, nil)
	c.call("POST", "/workspaces", map[string]any{"name": ""}).into(t, 422, nil)
	ben := addMember(t, app, ws, "ben@example.com", "viewer")
	c.call("GET", fmt.Sprintf("/workspaces/%d/members", ws), nil).into(t, 200, nil)
	c.call("PATCH", fmt.Sprintf("/workspaces/%d/members/%d", ws, ben), map[string]any{"role": "operator"}).into(t, 200, nil)
	c.call("PATCH", fmt.Sprintf("/workspaces/%d/members/%d", ws, ben), map[string]any{"role": "owner"}).into(t, 422, nil)
	c.call("DELETE", fmt.Sprintf("/workspaces/%d/members/%d", ws, ben), nil).into(t, 204, nil)
	c.call("DELETE", fmt.Sprintf("/workspaces/%d/members/%d", ws, ben), nil).into(t, 404, nil)

	// Invitations: made (by either route), listed, revoked; Cleo accepts
	// one with her own token, once.
	var inv, dan struct {
		ID  int64  `json:"id"`
		URL string `json:"url"`
	}
	c.call("POST", fmt.Sprintf("/workspaces/%d/invitations", ws), map[string]any{"email": "cleo@example.com", "role": "operator"}).into(t, 201, &inv)
	c.call("POST", fmt.Sprintf("/workspaces/%d/invitations", ws), map[string]any{"email": "cleo@example.com", "role": "owner"}).into(t, 422, nil)
	c.call("POST", fmt.Sprintf("/workspaces/%d/members", ws), map[string]any{"email": "dan@example.com", "role": "viewer"}).into(t, 201, &dan)
	c.call("POST", fmt.Sprintf("/workspaces/%d/members", ws), map[string]any{"email": "ann@example.com", "role": "viewer"}).into(t, 409, nil)
	c.call("GET", fmt.Sprintf("/workspaces/%d/invitations", ws), nil).into(t, 200, nil)
	c.call("DELETE", fmt.Sprintf("/workspaces/%d/invitations/%d", ws, dan.ID), nil).into(t, 204, nil)
	c.call("DELETE", fmt.Sprintf("/workspaces/%d/invitations/%d", ws, dan.ID), nil).into(t, 404, nil)
	cleo := c
	cleo.token = tokenFor(t, app, "cleo@example.com")
	cleo.call("POST", "/invitations/accept", map[string]any{"token": inv.URL}).into(t, 200, nil)
	cleo.call("POST", "/invitations/accept", map[string]any{"token": inv.URL}).into(t, 410, nil)
	cleo.call("POST", "/invitations/accept", map[string]any{"token": "not-a-token"}).into(t, 404, nil)

	// Renewing a login, last: it takes Bob out of service until a new code.
	c.call("POST", fmt.Sprintf("/accounts/%d/rotate", bob), map[string]any{"api_id": docAPIID4, "api_hash": docHash4}).into(t, 200, nil)
	c.once("POST", fmt.Sprintf("/accounts/%d/relogin", ann), "", nil)
	c.call("DELETE", fmt.Sprintf("/accounts/%d", bob), nil).into(t, 200, nil)

	// The audit log of all of the above, a page at a time and as a file.
	var auditPage struct {
		NextCursor string `json:"next_cursor"`
	}
	c.call("GET", "/audit?limit=2", nil).into(t, 200, &auditPage)
	c.call("GET", "/audit?action=campaign_started&cursor="+auditPage.NextCursor, nil).into(t, 200, nil)
	c.call("GET", "/audit?format=csv", nil).into(t, 200, nil)
	c.call("GET", "/audit?cursor=not-a-cursor", nil).into(t, 422, nil)
	c.call("GET", "/audit?limit=1000", nil).into(t, 422, nil)

	chk.checkCoverage(map[string]string{
		"terminate-account-session": "a sandbox account has only the app's own session, which is refused",
		"cancel-extraction":         "the sandbox's small chat is extracted before a cancel can arrive",
		"resend-account-code":       "Telegram lets a code be sent again only after a wait, which the app answers as 429 with Retry-After",
		"relogin-account":           "one try: a new auth key can time out on a loaded machine, and a 503 is documented",
	})
}

// addMember creates a user in the app's database and adds them to a
// workspace with a role.
func addMember(t *testing.T, app *apptest.App, workspaceID int64, email, role string) int64 {
	t.Helper()
	ctx := context.Background()
	st, err := storeopen.Open(ctx, storeopen.Options{DataDir: app.Config.DataDir, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.CreateUser(ctx, store.NewUser{Email: email, PasswordHash: "x", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddWorkspaceMember(ctx, workspaceID, u.ID, role, time.Now()); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// signUp creates a user in the app's database and returns an API token.
func signUp(t *testing.T, app *apptest.App) string {
	t.Helper()
	return tokenFor(t, app, "ann@example.com")
}

// tokenFor creates a user in the app's database and returns an API token.
func tokenFor(t *testing.T, app *apptest.App, email string) string {
	t.Helper()
	ctx := context.Background()
	st, err := storeopen.Open(ctx, storeopen.Options{DataDir: app.Config.DataDir, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := users.New(st, users.Options{SignupOpen: true, Hash: users.HashParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}).
		Create(ctx, users.NewUser{Email: email, Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	return app.APIAs(t, email).Token
}
