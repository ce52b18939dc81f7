package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
	"github.com/telegramate/telegramate/internal/users"
	"github.com/telegramate/telegramate/internal/web/api"
)

// browser is a person's browser on the app: a cookie jar, and form posts
// answered without following redirects.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 2 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values) (int, http.Header, []byte) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, out
}

var newTokenValue = regexp.MustCompile(`id="new-token" value="([^"]+)"`)

// TestAuditRecordsEveryAction takes every action the audit log records
// through the product's own doors (the log-in form, the API tokens page,
// the JSON API) and finds each in the workspace's log with the person and
// the address it came from; pages, filters, the CSV export and the
// account's own activity agree; another workspace sees none of it.
func TestAuditRecordsEveryAction(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole app against the sandbox")
	}
	w, err := sandbox.ParseWorld([]byte(docWorld))
	if err != nil {
		t.Fatal(err)
	}
	sbx, err := sandbox.Start(context.Background(), w, sandbox.Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sbx.Close() })
	app := apptest.StartApp(t, apptest.AppSandbox(t, sbx), apptest.AppArgs("--webhook-allow-private"))
	ctx := context.Background()
	st, err := storeopen.Open(ctx, storeopen.Options{DataDir: app.Config.DataDir, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	svc := users.New(st, users.Options{Hash: users.HashParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}})
	ann, err := svc.Create(ctx, users.NewUser{Email: "ann@example.com", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Create(ctx, users.NewUser{Email: "zoe@example.com", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	// Sign in, then make an API token on its page: both by Ann's browser.
	b := newBrowser(t, app.URL)
	if status, _, body := b.do("POST", "/login", url.Values{"email": {"ann@example.com"}, "password": {"correct horse battery"}}); status != http.StatusSeeOther {
		t.Fatalf("log in: %d %s", status, body)
	}
	status, _, body := b.do("POST", "/tokens", url.Values{"name": {"audit test"}})
	m := newTokenValue.FindSubmatch(body)
	if status != http.StatusCreated || m == nil {
		t.Fatalf("create token: %d %s", status, body)
	}
	c := apptest.APIClient{T: t, Base: app.URL, Token: html.UnescapeString(string(m[1]))}

	// The rest through the API.
	acct := c.Connect(docAPIID, docAPIHash, "9996611401")
	c.Call("GET", fmt.Sprintf("/accounts/%d/chats?refresh=true", acct), nil).Into(t, 200, nil)
	var x struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	c.Call("POST", "/extractions", map[string]any{"account_id": acct, "chat_id": 7401}).Into(t, 201, &x)
	testkit.Eventually(t, time.Minute, "the extraction completes", func() bool {
		c.Call("GET", fmt.Sprintf("/extractions/%d", x.ID), nil).Into(t, 200, &x)
		return x.Status == "completed"
	})
	if r := c.Call("GET", fmt.Sprintf("/extractions/%d/members?format=csv", x.ID), nil); r.Status != 200 {
		t.Fatalf("export: %d %s", r.Status, r.Body)
	}
	var camp struct {
		ID int64 `json:"id"`
	}
	c.Call("POST", "/campaigns", map[string]any{
		"name": "Meetup", "message": "Hi {first_name}", "audience": map[string]any{"user_ids": []int64{5401}},
		"sender_account_ids": []int64{acct}, "start_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
	}).Into(t, 201, &camp)
	for _, step := range []string{"start", "pause", "cancel"} {
		c.Call("POST", fmt.Sprintf("/campaigns/%d/%s", camp.ID, step), nil).Into(t, 200, nil)
	}
	if _, err := sbx.Write(5402, 4401, "Hello Ann", nil); err != nil {
		t.Fatal(err)
	}
	var convs struct {
		Conversations []struct {
			ID int64 `json:"id"`
		} `json:"conversations"`
	}
	testkit.Eventually(t, time.Minute, "Jonas's message reaches the inbox", func() bool {
		c.Call("GET", "/conversations", nil).Into(t, 200, &convs)
		return len(convs.Conversations) == 1
	})
	c.Call("POST", fmt.Sprintf("/conversations/%d/messages", convs.Conversations[0].ID), map[string]string{"text": "Hi Jonas"}).Into(t, 201, nil)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer hook.Close()
	var wh struct {
		ID int64 `json:"id"`
	}
	c.Call("POST", "/webhooks", map[string]any{"url": hook.URL + "/hook", "events": []string{"delivery.sent"}}).Into(t, 201, &wh)
	c.Call("DELETE", fmt.Sprintf("/webhooks/%d", wh.ID), nil).Into(t, 204, nil)
	c.Call("DELETE", fmt.Sprintf("/accounts/%d", acct), nil).Into(t, 200, nil)

	// Every action is in the log, newest first, by Ann from 127.0.0.1.
	var log api.AuditPage
	c.Call("GET", "/audit?limit=200", nil).Into(t, 200, &log)
	var got []string
	for i := len(log.Events) - 1; i >= 0; i-- {
		e := log.Events[i]
		got = append(got, e.Action)
		if e.WorkspaceID != ann.ID || e.ActorUserID == nil || *e.ActorUserID != ann.ID || e.ActorEmail != "ann@example.com" || e.IP != "127.0.0.1" {
			t.Errorf("event %+v: want Ann's, in her workspace, from 127.0.0.1", e)
		}
		if i > 0 && log.Events[i-1].ID <= e.ID {
			t.Errorf("not newest first: %d before %d", e.ID, log.Events[i-1].ID)
		}
	}
	want := []string{"signed_in", "api_token_created", "account_connected", "extraction_started", "member_list_exported",
		"campaign_created", "campaign_started", "campaign_paused", "campaign_cancelled", "answer_sent",
		"webhook_created", "webhook_deleted", "account_disconnected"}
	if !slices.Equal(got, want) {
		t.Errorf("audit log\n got %v\nwant %v", got, want)
	}
	byAction := map[string]api.AuditEvent{}
	for _, e := range log.Events {
		byAction[e.Action] = e
	}
	for action, target := range map[string]string{
		"account_connected": "Ann", "extraction_started": "Meetup", "campaign_started": "Meetup",
		"answer_sent": "Jonas", "webhook_created": hook.URL, "api_token_created": "audit test",
	} {
		if e := byAction[action]; !strings.Contains(e.TargetLabel, target) || e.TargetKind == "" || e.TargetID == 0 {
			t.Errorf("%s: target %s %d %q, want one named %q", action, e.TargetKind, e.TargetID, e.TargetLabel, target)
		}
	}

	// The API token's page removes it: recorded too, then the API refuses it.
	// (Tokens made by the tests' helper are made with no person.)
	zoe := app.APIAs(t, "zoe@example.com")
	revoked := c
	c = app.APIAs(t, "ann@example.com")
	tok := byAction["api_token_created"].TargetID
	if status, _, body := b.do("POST", fmt.Sprintf("/tokens/%d/revoke", tok), url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("revoke: %d %s", status, body)
	}
	revoked.Call("GET", "/audit", nil).APIError(t, 401, "unauthorized")
	c.Call("GET", "/audit?limit=1", nil).Into(t, 200, &log)
	if e := log.Events[0]; len(log.Events) != 1 || e.Action != "api_token_deleted" || e.TargetID != tok || e.IP != "127.0.0.1" || e.ActorEmail != "ann@example.com" {
		t.Errorf("newest event %+v, want Ann's token revoked", log.Events)
	}

	// Paging: limit 3 at a time, with the cursor, gives the whole log once.
	var all api.AuditPage
	c.Call("GET", "/audit?limit=200", nil).Into(t, 200, &all)
	var paged []int64
	for cursor, n := "", 0; n < 50; n++ {
		var p api.AuditPage
		c.Call("GET", "/audit?limit=3&cursor="+cursor, nil).Into(t, 200, &p)
		for _, e := range p.Events {
			paged = append(paged, e.ID)
		}
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	var ids []int64
	for _, e := range all.Events {
		ids = append(ids, e.ID)
	}
	if !slices.Equal(paged, ids) {
		t.Errorf("pages of 3 gave %v, want %v", paged, ids)
	}
	var started api.AuditPage
	c.Call("GET", "/audit?action=campaign_started", nil).Into(t, 200, &started)
	if len(started.Events) != 1 || started.Events[0].Action != "campaign_started" {
		t.Errorf("filter by action: %+v", started.Events)
	}
	// Bad input is refused with what to do, and changes nothing.
	for _, q := range []string{"?cursor=not-a-cursor", "?cursor=-4", "?limit=201", "?limit=-1", "?action=dropped_tables", "?format=csv&action=nope"} {
		c.Call("GET", "/audit"+q, nil).APIError(t, 422, "validation_failed")
	}
	var after api.AuditPage
	c.Call("GET", "/audit?limit=200", nil).Into(t, 200, &after)
	if len(after.Events) != len(all.Events) {
		t.Errorf("%d events after refused requests, %d before", len(after.Events), len(all.Events))
	}

	// The CSV: a BOM, the header, one row per event, newest first.
	r := c.Call("GET", "/audit?format=csv", nil)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !bytes.HasPrefix(r.Body, []byte("\ufeff")) {
		t.Fatalf("csv: %d %s %q", r.Status, r.Header.Get("Content-Type"), r.Body[:min(len(r.Body), 20)])
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.Body, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(all.Events)+1 || rows[0][0] != "id" || rows[1][2] != all.Events[0].Action || rows[1][5] != "127.0.0.1" {
		t.Errorf("csv rows %v, want a header and %d events", rows, len(all.Events))
	}

	// The page and its export show the same.
	status, _, body = b.do("GET", "/audit", nil)
	if status != 200 || !bytes.Contains(body, []byte(`data-action="campaign_cancelled"`)) || !bytes.Contains(body, []byte("127.0.0.1")) {
		t.Errorf("audit page: %d", status)
	}
	if status, _, body = b.do("GET", "/audit?action=webhook_created", nil); status != 200 || bytes.Count(body, []byte(`data-action=`)) != 1 {
		t.Errorf("audit page filtered: %d, %d rows", status, bytes.Count(body, []byte(`data-action=`)))
	}
	if status, _, body = b.do("GET", "/audit?before=nonsense", nil); status != http.StatusUnprocessableEntity || !bytes.Contains(body, []byte("cursor is not one this listing gave")) {
		t.Errorf("bad cursor on the page: %d", status)
	}
	status, hdr, body := b.do("GET", "/audit/export.csv?action=campaign_paused", nil)
	if status != 200 || !strings.Contains(hdr.Get("Content-Disposition"), "audit-log.csv") || !bytes.HasPrefix(body, []byte("\ufeff")) || bytes.Count(body, []byte("\n")) != 2 {
		t.Errorf("page's export: %d %q %q", status, hdr.Get("Content-Disposition"), body)
	}

	// The page shows 50 at a time, its links keep the filter.
	st, err = storeopen.Open(ctx, storeopen.Options{DataDir: app.Config.DataDir, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 60 {
		if _, err := st.AddAuditEvent(ctx, store.AuditEvent{WorkspaceID: ann.ID, ActorUserID: ann.ID, ActorEmail: "ann@example.com",
			Action: "campaign_resumed", TargetKind: "campaign", TargetID: camp.ID, TargetLabel: "Meetup", Detail: fmt.Sprint(i), CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	older := regexp.MustCompile(`href="(/audit\?[^"]+)" id="older-page"`)
	status, _, body = b.do("GET", "/audit?action=campaign_resumed", nil)
	m = older.FindSubmatch(body)
	if n := bytes.Count(body, []byte(`data-action="campaign_resumed"`)); status != 200 || n != 50 || m == nil || !bytes.Contains(m[1], []byte("action=campaign_resumed")) {
		t.Fatalf("first page: %d, %d rows, older link %q", status, n, m)
	}
	status, _, body = b.do("GET", html.UnescapeString(string(m[1])), nil)
	if n := bytes.Count(body, []byte(`data-action="campaign_resumed"`)); status != 200 || n != 10 || older.Match(body) || !bytes.Contains(body, []byte(`id="newest-page"`)) {
		t.Errorf("second page: %d, %d rows, want the last 10 and a link to the newest", status, n)
	}

	// The account's own page lists what was done with it.
	// Each line a person caused names them: here Ann, every time.
	var activity struct {
		Activity []struct {
			Event string `json:"event"`
			By    string `json:"by"`
			IP    string `json:"ip"`
		} `json:"activity"`
	}
	c.Call("GET", fmt.Sprintf("/accounts/%d/activity", acct), nil).Into(t, 200, &activity)
	var events []string
	for _, a := range activity.Activity {
		events = append(events, a.Event)
		if a.Event == "extraction_completed" { // the job's doing, not a person's
			continue
		}
		if a.By != "ann@example.com" || a.IP != "127.0.0.1" {
			t.Errorf("the account's %s line: by %q from %q, want Ann from 127.0.0.1", a.Event, a.By, a.IP)
		}
	}
	for _, e := range []string{"connected", "extraction_started", "member_list_exported", "campaign_created", "campaign_started",
		"campaign_paused", "campaign_cancelled", "answer_sent", "disconnected"} {
		if !slices.Contains(events, e) {
			t.Errorf("the account's activity lacks %s: %v", e, events)
		}
	}

	// Another workspace's log has none of it.
	var other api.AuditPage
	zoe.Call("GET", "/audit", nil).Into(t, 200, &other)
	for _, e := range other.Events {
		if e.WorkspaceID == ann.ID || e.ActorEmail == "ann@example.com" {
			t.Errorf("Zoe sees %+v", e)
		}
	}
}
