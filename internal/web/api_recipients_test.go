package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestAPIRecipientsParsedLikeTheEditor: the API's audience.usernames go
// through the editor's parser (it took "=cmd", "<script>", spaces and
// 1,000-character names), and the deliveries CSV guards every text
// column against formulas, a username stored before this check included.
func TestAPIRecipientsParsedLikeTheEditor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		acct := senderOf(t, e, "ann@example.com", 2000101, "Ann")
		token := ann.createToken(t, "recipients")
		ctx := context.Background()
		annID := ann.userID(t)
		body := func(audience string) string {
			return fmt.Sprintf(`{"name":"Spring","message":"Hi","audience":%s,"sender_account_ids":[%d]}`, audience, acct)
		}
		for _, bad := range []string{`"=cmd"`, `"<script>"`, `"ann lee"`, `"` + strings.Repeat("a", 1000) + `"`, `""`} {
			r := ann.apiBody(http.MethodPost, "/api/v1/campaigns", token, body(`{"usernames":["ann_lee",`+bad+`]}`)).wantStatus(t, http.StatusUnprocessableEntity)
			if code, msg, hint, _ := r.apiError(t); code != "validation_failed" || !strings.Contains(msg, "Item 2 of the usernames") || hint == "" {
				t.Errorf("username %s: %s %q", bad[:min(len(bad), 20)], code, msg)
			}
		}
		r := ann.apiBody(http.MethodPost, "/api/v1/campaigns", token, body(`{"user_ids":[-100123]}`)).wantStatus(t, http.StatusUnprocessableEntity)
		if code, msg, _, _ := r.apiError(t); code != "validation_failed" || !strings.Contains(msg, "-100123") {
			t.Errorf("a chat id: %s %q", code, msg)
		}
		if n, _ := s.CountCampaigns(ctx, annID); n != 0 {
			t.Fatalf("refused bodies saved %d campaigns", n)
		}
		var made struct {
			ID int64 `json:"id"`
		}
		r = ann.apiBody(http.MethodPost, "/api/v1/campaigns", token, body(`{"usernames":["@Ann_Lee","https://t.me/bob_b","carl_c"]}`)).
			wantStatus(t, http.StatusCreated)
		if err := json.Unmarshal([]byte(r.body), &made); err != nil {
			t.Fatal(err)
		}
		ds, err := s.ListDeliveries(ctx, made.ID, 0, 10)
		if err != nil || len(ds) != 3 || ds[0].Username != "ann_lee" || ds[1].Username != "bob_b" || ds[2].Username != "carl_c" {
			t.Fatalf("deliveries %+v, %v", ds, err)
		}

		// A campaign written before usernames were checked on this path.
		old, err := s.CreateCampaign(ctx, store.NewCampaign{
			Campaign: store.Campaign{UserID: annID, Name: "Old", Message: "Hi", Status: store.CampaignDraft, OptOutFooter: true,
				MinIntervalSeconds: 30, DailyCap: 50, FailurePercent: 10, Audience: "{}", CreatedAt: time.Now().UTC(), SenderIDs: []int64{acct}},
			Deliveries: []store.NewDelivery{{AccountID: acct, Username: "=HYPERLINK(\"http://x.test\")", State: store.DeliverySkipped,
				ReasonCode: "x", Reason: "@SUM(A1)", RandomID: 7}},
		})
		if err != nil {
			t.Fatal(err)
		}
		csv := ann.api(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/deliveries?format=csv", old.ID), token).wantStatus(t, http.StatusOK)
		if !strings.Contains(csv.body, `"'=HYPERLINK(""http://x.test"")"`) || !strings.Contains(csv.body, "'@SUM(A1)") {
			t.Errorf("deliveries CSV:\n%s", csv.body)
		}
	})
}
