package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// senderOf gives a user a connected account straight in the store: these
// pages are under test, not the login.
func senderOf(t *testing.T, e *env, email string, apiID int64, first string) int64 {
	t.Helper()
	ctx := context.Background()
	u, err := e.store.UserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.store.CreateAccount(ctx, u.ID, store.AccountLogin{APIID: apiID, APIHashSealed: []byte("x"),
		Phone: fmt.Sprintf("999661%04d", apiID%10000), TGUserID: apiID, FirstName: first, SessionSealed: []byte("x"), Now: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// TestCampaignEditorKeepsInputOnError: a refused campaign comes back with
// the error next to its field and everything typed still there; pasted
// items that name no user are listed with their line until the user
// leaves them out.
func TestCampaignEditorKeepsInputOnError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		acct := senderOf(t, e, "ann@example.com", 2000101, "Ann")

		ann.get("/campaigns/new").wantStatus(t, http.StatusOK).
			wantBody(t, `id="sender-`+fmt.Sprint(acct)+`" checked`, `name="min_interval" value="30"`, `name="daily_cap" value="50"`, `id="opt_out_footer" checked`,
				"at 10 % it takes 6 failures (more than 5), even before 50 were sent")

		form := url.Values{"name": {"Invite"}, "message": {"Hi {first_name|there}"}, "recipients": {"@alice_m"},
			"min_interval": {"5"}, "daily_cap": {"20"}, "opt_out_footer": {"on"}, "time_zone": {"Europe/Berlin"}}
		r := ann.post("/campaigns", form).wantStatus(t, http.StatusUnprocessableEntity)
		r.wantBody(t, "Choose at least one account to send from", `value="Invite"`, `value="5"`, `value="20"`,
			`>Hi {first_name|there}</textarea>`, `<option value="Europe/Berlin" selected>`)

		form.Set("sender", fmt.Sprint(acct))
		form.Set("recipients", "@alice_m\n@x")
		r = ann.post("/campaigns", form).wantStatus(t, http.StatusUnprocessableEntity)
		r.wantBody(t, "1 of the pasted or uploaded items name no Telegram user", "line 2: <code><bdi>@x</bdi></code>", `id="skip_invalid"`)
		if n, _ := s.CountCampaigns(context.Background(), ann.userID(t)); n != 0 {
			t.Fatalf("a refused form saved %d campaigns", n)
		}

		form.Set("skip_invalid", "on")
		r = ann.post("/campaigns", form).wantStatus(t, http.StatusSeeOther)
		loc := r.Header.Get("Location")
		if !strings.HasPrefix(loc, "/campaigns/") {
			t.Fatalf("saved campaign goes to %q", loc)
		}
		page := ann.get(loc).wantStatus(t, http.StatusOK)
		page.wantBody(t, "Invite", "draft", "with 1 recipient.", "1 recipient · from", `id="start-campaign"`, "5 s", "6 failures (more than 5) of the last 50 (10 %)")

		list := ann.get("/campaigns").wantStatus(t, http.StatusOK)
		list.wantBody(t, "1 recipient")
		if strings.Contains(page.body, "1 recipients") || strings.Contains(list.body, "1 recipients") {
			t.Errorf("the campaign's pages say \"1 recipients\"")
		}

		// A start time is read in the chosen time zone and must lie ahead.
		form.Set("start_at", "2001-01-01T10:00")
		ann.post("/campaigns", form).wantStatus(t, http.StatusUnprocessableEntity).wantBody(t, "The start time has passed", `value="2001-01-01T10:00"`)
		berlin, _ := time.LoadLocation("Europe/Berlin")
		at := time.Now().In(berlin).Add(48 * time.Hour).Truncate(time.Minute)
		form.Set("start_at", at.Format("2006-01-02T15:04"))
		loc = ann.post("/campaigns", form).wantStatus(t, http.StatusSeeOther).Header.Get("Location")
		ann.get(loc).wantStatus(t, http.StatusOK).wantBody(t, "Schedule</button>", "Starts at", at.UTC().Format("2 Jan 2006 15:04 UTC"))
	})
}

func (c *client) userID(t *testing.T) int64 {
	t.Helper()
	u, err := c.e.store.UserByEmail(context.Background(), "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestCampaignPreviewEscapesNames: the live preview shows formatting as
// tags and everything typed, names included, as text.
func TestCampaignPreviewEscapesNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		r := ann.post("/campaigns/preview", url.Values{"message": {"**Hi {first_name}** <script>"}, "sample_name": {"<i>Ann</i> Lee"}, "opt_out_footer": {"on"}},
			"HX-Request", "true").wantStatus(t, http.StatusOK)
		r.wantBody(t, `<b>Hi &lt;i&gt;Ann&lt;/i&gt;</b> &lt;script&gt;`, "Reply STOP to stop receiving messages", `data-length="61"`)
		r.wantNoBody(t, "<script>", "<html")
		ann.post("/campaigns/preview", url.Values{"message": {"Hi {nickname}"}}, "HX-Request", "true").
			wantStatus(t, http.StatusOK).wantBody(t, `id="preview-error"`, "nickname")
	})
}

// TestCampaignTestSendRefusesOthersAccount: a test send names one of the
// user's own accounts; another user's is not found and nothing is sent.
func TestCampaignTestSendRefusesOthersAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		e.loggedIn("bob@example.com")
		bobs := senderOf(t, e, "bob@example.com", 2000102, "Bob")
		r := ann.post("/campaigns/test-send", url.Values{"test_account": {fmt.Sprint(bobs)}, "message": {"hi"}}, "HX-Request", "true").
			wantStatus(t, http.StatusOK)
		r.wantBody(t, `id="test-error"`, `data-code="not_found"`)
		r.wantNoBody(t, "Bob")
	})
}

// TestSuppressionPage adds, refuses, removes, imports and exports.
func TestSuppressionPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		ann.get("/suppressions").wantStatus(t, http.StatusOK).wantBody(t, "Nobody is suppressed")

		ann.post("/suppressions", url.Values{"user": {"@not a name"}, "reason": {"why"}}).wantStatus(t, http.StatusUnprocessableEntity).
			wantBody(t, `class="form-control is-invalid" id="user" name="user" value="@not a name"`, "That is not one Telegram user", `value="why"`)
		ann.post("/suppressions", url.Values{"user": {"@Dmitri_K"}, "reason": {"Asked by email"}}).wantRedirect(t, "/suppressions")
		ann.get("/suppressions").wantStatus(t, http.StatusOK).wantBody(t, `data-username="dmitri_k"`, "Asked by email", "@dmitri_k is on your suppression list")

		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", "list.csv")
		fmt.Fprint(fw, "user_id,username\n42,\n,dmitri_k\n-5,\n")
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/suppressions/import", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		ann.do(req).wantStatus(t, http.StatusOK).wantBody(t, "1 added, 1 already on the list", "line 4:", `data-user-id="42"`)

		csv := ann.get("/suppressions/export.csv").wantStatus(t, http.StatusOK)
		csv.wantBody(t, "user_id,username,reason,created_at\n", "42,,Imported,", ",dmitri_k,Asked by email,")

		ann.post("/suppressions/remove", url.Values{"who": {"dmitri_k"}}).wantRedirect(t, "/suppressions")
		ann.post("/suppressions/remove", url.Values{"who": {"42"}}).wantRedirect(t, "/suppressions")
		ann.get("/suppressions").wantStatus(t, http.StatusOK).wantBody(t, "Nobody is suppressed")
		ann.post("/suppressions/remove", url.Values{"who": {"42"}}).wantStatus(t, http.StatusNotFound)
	})
}

// TestCampaignEventsListenForReplies: the campaign page's stream sends the
// live blocks and stays open after the end, when replies still come; a
// campaign that ended longer ago than replies are watched is told "done".
func TestCampaignEventsListenForReplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		acct := senderOf(t, e, "ann@example.com", 2000103, "Ann")
		ctx := context.Background()
		uid := ann.userID(t)
		ended := func(at time.Time) int64 {
			c, err := s.CreateCampaign(ctx, store.NewCampaign{
				Campaign: store.Campaign{UserID: uid, Name: "c", Message: "hi", Status: store.CampaignDraft, MinIntervalSeconds: 30,
					DailyCap: 50, FailurePercent: 10, CreatedAt: at, SenderIDs: []int64{acct}},
				Deliveries: []store.NewDelivery{{AccountID: acct, TGUserID: 9001, Username: "someone", State: store.DeliveryPending, RandomID: 7}},
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.SetCampaignStatus(ctx, uid, c.ID, []string{store.CampaignDraft}, store.CampaignCancelled, "", at); err != nil {
				t.Fatal(err)
			}
			return c.ID
		}

		old := ended(time.Now().Add(-8 * 24 * time.Hour))
		r := ann.get(fmt.Sprintf("/campaigns/%d/events", old)).wantStatus(t, http.StatusOK)
		r.wantBody(t, "event: progress\n", "event: report\n", "event: done\n", `data-status="cancelled"`)
		ann.get(fmt.Sprintf("/campaigns/%d", old)).wantStatus(t, http.StatusOK).wantNoBody(t, "sse-connect")

		recent := ended(time.Now())
		ann.get(fmt.Sprintf("/campaigns/%d", recent)).wantStatus(t, http.StatusOK).wantBody(t, fmt.Sprintf(`sse-connect="/campaigns/%d/events"`, recent))
		rctx, cancel := context.WithCancel(ctx)
		defer cancel()
		req, _ := http.NewRequestWithContext(rctx, http.MethodGet, fmt.Sprintf("%s/campaigns/%d/events", e.srv.URL, recent), nil)
		resp, err := ann.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got bytes.Buffer
		buf := make([]byte, 4096)
		for !strings.Contains(got.String(), "event: report\n") {
			n, err := resp.Body.Read(buf)
			got.Write(buf[:n])
			if err != nil {
				t.Fatalf("the stream of a just-ended campaign closed: %v\n%s", err, got.String())
			}
		}
		if strings.Contains(got.String(), "event: done") {
			t.Error("a campaign that just ended is told done, so its replies would not show")
		}
	})
}

// TestCampaignEditorReadsUploadedFile: an uploaded CSV adds its people; a
// row that names no user is reported with the file's line, and the page
// asks for the file again, which a browser does not keep.
func TestCampaignEditorReadsUploadedFile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		acct := senderOf(t, e, "ann@example.com", 2000104, "Ann")
		post := func(skip bool) response {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			for k, v := range map[string]string{"name": "From a file", "message": "Hello {first_name|there}", "sender": fmt.Sprint(acct), "opt_out_footer": "on"} {
				_ = mw.WriteField(k, v)
			}
			if skip {
				_ = mw.WriteField("skip_invalid", "on")
			}
			fw, _ := mw.CreateFormFile("recipients_file", "people.csv")
			fmt.Fprint(fw, "username\nalice_m\nbruno_b\nhttps://t.me/joinchat/abc\n")
			mw.Close()
			req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/campaigns", &body)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			return ann.do(req)
		}
		r := post(false).wantStatus(t, http.StatusUnprocessableEntity)
		r.wantBody(t, "line 4: <code><bdi>people.csv: https://t.me/joinchat/abc</bdi></code>", `id="file-again"`, `value="From a file"`)
		loc := post(true).wantStatus(t, http.StatusSeeOther).Header.Get("Location")
		ann.get(loc).wantStatus(t, http.StatusOK).wantBody(t, "From a file", "with 2 recipients")
	})
}

// TestCampaignEditorFollowUps: the editor adds follow-ups without
// JavaScript (each a section to open), removes one with its button
// (the later ones move up, nothing is saved), refuses a step after an
// empty one with the error beside it, and the saved campaign's page shows
// each step with its wait.
func TestCampaignEditorFollowUps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		acct := senderOf(t, e, "ann@example.com", 2000111, "Ann")
		ann.get("/campaigns/new").wantStatus(t, http.StatusOK).
			wantBody(t, `id="step-2"`, "Add step 2", "Add step 4", `name="step3_after" value="2"`)

		form := url.Values{"name": {"Invite"}, "message": {"Hi {first_name|there}"}, "recipients": {"@alice_m"}, "sender": {fmt.Sprint(acct)},
			"min_interval": {"5"}, "daily_cap": {"20"}, "time_zone": {"UTC"},
			"step3_message": {"Last call"}, "step3_after": {"6"}, "step3_unit": {"hours"}}
		ann.post("/campaigns", form).wantStatus(t, http.StatusUnprocessableEntity).
			wantBody(t, "Step 3 has a message but step 2 has none", `>Last call</textarea>`)

		form.Set("step2_message", "Still keen, {first_name|there}?")
		form.Set("step2_after", "2")
		form.Set("step2_unit", "days")
		form.Set("remove_step", "2")
		r := ann.post("/campaigns", form).wantStatus(t, http.StatusOK)
		r.wantBody(t, `name="step2_message" rows="4" placeholder="Hi {first_name|there}, just checking you saw my message.">Last call</textarea>`,
			"Step 2: 6 hours after step 1")
		if strings.Contains(r.body, "Still keen") {
			t.Error("the removed step is still in the form")
		}
		if n, _ := s.CountCampaigns(context.Background(), ann.userID(t)); n != 0 {
			t.Fatalf("removing a step saved %d campaigns", n)
		}

		form.Del("remove_step")
		form.Set("step2_message", "Still keen, {nickname}?")
		ann.post("/campaigns", form).wantStatus(t, http.StatusUnprocessableEntity).wantBody(t, "Step 2: ", "nickname")
		form.Set("step2_message", "Still keen, {first_name|there}?")
		r = ann.post("/campaigns", form).wantStatus(t, http.StatusSeeOther)
		page := ann.get(r.Header.Get("Location")).wantStatus(t, http.StatusOK)
		page.wantBody(t, "Step 2: 2 days after step 1, if they have not replied", "Still keen, {first_name|there}?",
			"Step 3: 6 hours after step 2, if they have not replied", `id="steps-card"`, "Estimated finish of the first messages")
	})
}
