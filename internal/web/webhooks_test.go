package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/telegramate/telegramate/internal/jobs"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/webhook"
)

// webhookJobs runs the webhook worker for the env's service and returns a
// receiver on 127.0.0.1 that answers status and counts its requests.
func webhookJobs(t *testing.T, e *env, status int) (receiver string, hits *atomic.Int32) {
	t.Helper()
	c, err := jobs.New(context.Background(), jobs.Options{Store: e.store, FetchPollInterval: 100 * time.Millisecond,
		Register: func(w *river.Workers) { webhook.Register(w, e.deps.Webhooks) },
		Queues:   webhook.Queues(map[string]river.QueueConfig{})})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Close(ctx)
	})
	hits = new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/hook", hits
}

func TestWebhooksPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		receiver, hits := webhookJobs(t, e, http.StatusAccepted)
		ann := e.loggedIn("ann@example.com")
		ann.get("/webhooks").wantStatus(t, http.StatusOK).wantBody(t, "No webhooks yet", `value="delivery.sent"`, `id="webhooks-link"`)

		// A plain-http URL elsewhere is refused next to the field, and the
		// events ticked stay ticked.
		bad := ann.post("/webhooks", url.Values{"url": {"http://crm.example.com/hook"}, "events": {"delivery.failed"}}).
			wantStatus(t, http.StatusUnprocessableEntity)
		bad.wantBody(t, "Use an https:// URL", "is-invalid", `value="http://crm.example.com/hook"`)
		if !regexp.MustCompile(`value="delivery.failed" id="event-delivery.failed" checked`).MatchString(bad.body) ||
			regexp.MustCompile(`value="delivery.sent" id="event-delivery.sent" checked`).MatchString(bad.body) {
			t.Error("the events chosen are not kept after an error")
		}
		ann.post("/webhooks", url.Values{"url": {receiver}}).wantStatus(t, http.StatusUnprocessableEntity).
			wantBody(t, "Choose at least one event")
		if list, _ := e.deps.Webhooks.List(context.Background(), userOf(t, e, "ann@example.com")); len(list) != 0 {
			t.Fatalf("a refused webhook was kept: %+v", list)
		}

		created := ann.post("/webhooks", url.Values{"url": {receiver}, "events": {"delivery.sent", "campaign.completed"}}).
			wantStatus(t, http.StatusCreated)
		secret := regexp.MustCompile(`whsec_[A-Za-z0-9_-]{40,}`).FindString(created.body)
		if secret == "" {
			t.Fatalf("no secret shown:\n%s", created.body)
		}
		page := ann.get("/webhooks").wantStatus(t, http.StatusOK)
		page.wantBody(t, receiver, "delivery.sent, campaign.completed", "Send test event", "No events sent yet")
		page.wantNoBody(t, secret) // shown once

		id := regexp.MustCompile(`action="/webhooks/(\d+)/test"`).FindStringSubmatch(page.body)
		if id == nil {
			t.Fatalf("no test button:\n%s", page.body)
		}
		ann.post("/webhooks/"+id[1]+"/test", nil).wantRedirect(t, "/webhooks")
		testkit.EventuallyWith(t, 30*time.Second, "the test event to be shown delivered", func() (bool, string) {
			page = ann.get("/webhooks").wantStatus(t, http.StatusOK)
			return strings.Contains(page.body, `data-state="delivered"`), "\n" + page.body
		})
		page.wantBody(t, "webhook.test", `<span class="fw-semibold response-code">202</span>`)
		if hits.Load() != 1 {
			t.Errorf("receiver hit %d times", hits.Load())
		}

		// Another user cannot test or delete it.
		bob := e.loggedIn("bob@example.com")
		bob.post("/webhooks/"+id[1]+"/delete", nil).wantStatus(t, http.StatusNotFound)
		bob.get("/webhooks").wantNoBody(t, receiver)

		ann.post("/webhooks/"+id[1]+"/delete", nil).wantRedirect(t, "/webhooks")
		gone := ann.get("/webhooks").wantStatus(t, http.StatusOK)
		gone.wantBody(t, "No webhooks yet")
		gone.wantNoBody(t, receiver)
	})
}

func TestWebhooksAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		receiver, _ := webhookJobs(t, e, http.StatusOK)
		ann := e.loggedIn("ann@example.com")
		token := ann.createToken(t, "hooks")

		r := ann.sendJSON(http.MethodPost, "/api/v1/webhooks", token, `{"url":"ftp://example.com/x","events":["delivery.sent"]}`).
			wantStatus(t, http.StatusUnprocessableEntity)
		if code, msg, _, _ := r.apiError(t); code != "validation_failed" || !strings.Contains(msg, "https://") {
			t.Errorf("bad URL: %s %q", code, msg)
		}
		r = ann.sendJSON(http.MethodPost, "/api/v1/webhooks", token, `{"url":"`+receiver+`","events":["delivery.sent","message.received"]}`).
			wantStatus(t, http.StatusCreated)
		var created struct {
			ID     int64    `json:"id"`
			URL    string   `json:"url"`
			Events []string `json:"events"`
			Secret string   `json:"secret"`
		}
		if err := json.Unmarshal([]byte(r.body), &created); err != nil || created.ID == 0 || created.URL != receiver ||
			!strings.HasPrefix(created.Secret, "whsec_") || strings.Join(created.Events, ",") != "message.received,delivery.sent" {
			t.Fatalf("created %s: %v", r.body, err)
		}
		list := ann.api(http.MethodGet, "/api/v1/webhooks", token).wantStatus(t, http.StatusOK)
		list.wantBody(t, receiver)
		list.wantNoBody(t, created.Secret, "secret")

		path := "/api/v1/webhooks/" + strconv.FormatInt(created.ID, 10)
		ann.sendJSON(http.MethodPost, path+"/test", token, "").wantStatus(t, http.StatusAccepted).wantBody(t, `"type":"webhook.test"`)
		testkit.EventuallyWith(t, 30*time.Second, "the test event to be delivered", func() (bool, string) {
			r = ann.api(http.MethodGet, path+"/deliveries", token).wantStatus(t, http.StatusOK)
			return strings.Contains(r.body, `"state":"delivered"`), "deliveries " + r.body
		})
		r.wantBody(t, `"last_status":200`, `"attempts":1`)

		ann.api(http.MethodDelete, path, token).wantStatus(t, http.StatusNoContent)
		ann.api(http.MethodGet, path+"/deliveries", token).wantStatus(t, http.StatusNotFound)
		ann.api(http.MethodDelete, path, token).wantStatus(t, http.StatusNotFound)
	})
}

// TestDisabledWebhookNoticeAndEnable: a webhook disabled for failing says
// so on its page (since when, the last reason) with a button that enables
// it again and forgets its failures; the API shows the same state and
// enables it too. Only its owner can.
func TestDisabledWebhookNoticeAndEnable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		token := ann.createToken(t, "hooks")
		annID := userOf(t, e, "ann@example.com")
		ep, _, err := e.deps.Webhooks.Create(ctx, annID, "https://hooks.example.com/a", []string{webhook.DeliverySent})
		if err != nil {
			t.Fatal(err)
		}
		// Failing for a day, as the delivery worker records it
		// (internal/webhook tests that path end to end).
		since := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
		if _, err := s.WebhookEndpointFailed(ctx, ep.ID, "HTTP 503: the receiver failed to take the event", since, since.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.WebhookEndpointFailed(ctx, ep.ID, "No answer within 10s", since.Add(25*time.Hour), since.Add(26*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.AutoDisableWebhookEndpoint(ctx, ep.ID, since.Add(25*time.Hour), since.Add(time.Hour)); err != nil || !ok {
			t.Fatalf("disable: %v %v", ok, err)
		}
		page := ann.get("/webhooks").wantStatus(t, http.StatusOK)
		page.wantBody(t, "Disabled 2 Mar 2026 10:30 UTC", "failed for 24h without a success", "Failing since 1 Mar 2026 09:30 UTC",
			"2 attempts in a row", "No answer within 10s", `action="/webhooks/`+strconv.FormatInt(ep.ID, 10)+`/enable"`, "Enable again")
		page.wantNoBody(t, "/test\"") // no test button while disabled
		path := "/api/v1/webhooks/" + strconv.FormatInt(ep.ID, 10)
		ann.api(http.MethodGet, "/api/v1/webhooks", token).wantStatus(t, http.StatusOK).
			wantBody(t, `"state":"disabled"`, `"failing_since":"2026-03-01T09:30:00Z"`, `"last_failure":"No answer within 10s"`, `"failures":2`)
		ann.sendJSON(http.MethodPost, path+"/test", token, "").wantStatus(t, http.StatusConflict).wantBody(t, "enable the webhook again")

		bob := e.loggedIn("bob@example.com")
		bob.post("/webhooks/"+strconv.FormatInt(ep.ID, 10)+"/enable", nil).wantStatus(t, http.StatusNotFound)
		if got, _ := e.deps.Webhooks.Get(ctx, annID, ep.ID); got.DisabledAt.IsZero() {
			t.Fatal("another user's press enabled the webhook")
		}

		ann.post("/webhooks/"+strconv.FormatInt(ep.ID, 10)+"/enable", nil).wantRedirect(t, "/webhooks")
		page = ann.get("/webhooks").wantStatus(t, http.StatusOK)
		page.wantBody(t, "enabled again", "Send test event")
		page.wantNoBody(t, "webhook-disabled", "webhook-failing", "No answer within 10s")
		got, err := e.deps.Webhooks.Get(ctx, annID, ep.ID)
		if err != nil || !got.DisabledAt.IsZero() || got.Failures != 0 || !got.FailingSince.IsZero() || got.LastFailure != "" {
			t.Errorf("after enabling: %+v %v, want its failures forgotten", got, err)
		}
		// The API's button does the same.
		if _, err := s.WebhookEndpointFailed(ctx, ep.ID, "HTTP 500", since, since); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.AutoDisableWebhookEndpoint(ctx, ep.ID, since.Add(25*time.Hour), since.Add(time.Hour)); err != nil || !ok {
			t.Fatalf("disable again: %v %v", ok, err)
		}
		ann.sendJSON(http.MethodPost, path+"/enable", token, "").wantStatus(t, http.StatusOK).wantBody(t, `"state":"active"`, `"failures":0`)
	})
}

func userOf(t *testing.T, e *env, email string) int64 {
	t.Helper()
	u, err := e.store.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestWebhooksPageIsLive: the webhooks page listens to /webhooks/events,
// which sends each webhook's deliveries as their states change: a test
// event sent while the page is open shows there delivered, with the
// receiver's answer, without a reload.
func TestWebhooksPageIsLive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		receiver, _ := webhookJobs(t, e, http.StatusAccepted)
		ann := e.loggedIn("ann@example.com")
		ep, _, err := e.deps.Webhooks.Create(context.Background(), userOf(t, e, "ann@example.com"), receiver, []string{webhook.DeliverySent})
		if err != nil {
			t.Fatal(err)
		}
		id := strconv.FormatInt(ep.ID, 10)
		ann.get("/webhooks").wantStatus(t, http.StatusOK).
			wantBody(t, `sse-connect="/webhooks/events"`, `sse-swap="webhook-`+id+`"`, "No events sent yet")

		rctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(rctx, http.MethodGet, e.srv.URL+"/webhooks/events", nil)
		resp, err := ann.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var got strings.Builder
		buf := make([]byte, 4096)
		readUntil := func(want string) {
			t.Helper()
			for !strings.Contains(got.String(), want) {
				n, err := resp.Body.Read(buf)
				got.Write(buf[:n])
				if err != nil {
					t.Fatalf("the stream ended before %q: %v\n%s", want, err, got.String())
				}
			}
		}
		readUntil("event: webhook-" + id + "\n")
		readUntil("No events sent yet")

		ann.post("/webhooks/"+id+"/test", nil).wantRedirect(t, "/webhooks")
		readUntil(`data-state="delivered"`)
		if !strings.Contains(got.String(), `<span class="fw-semibold response-code">202</span>`) {
			t.Errorf("the live delivery does not show the receiver's answer:\n%s", got.String())
		}

		// Another user's stream holds their own webhook and none of Ann's.
		bob := e.loggedIn("bob@example.com")
		bobs, _, err := e.deps.Webhooks.Create(context.Background(), userOf(t, e, "bob@example.com"), receiver, []string{webhook.DeliverySent})
		if err != nil {
			t.Fatal(err)
		}
		bctx, bcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer bcancel()
		breq, _ := http.NewRequestWithContext(bctx, http.MethodGet, e.srv.URL+"/webhooks/events", nil)
		bresp, err := bob.http.Do(breq)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := bresp.Body.Read(buf)
		bresp.Body.Close()
		if !strings.Contains(string(buf[:n]), "event: webhook-"+strconv.FormatInt(bobs.ID, 10)) || strings.Contains(string(buf[:n]), "webhook-"+id+"\n") {
			t.Errorf("another user's stream shows the webhook: %s", buf[:n])
		}
	})
}
