package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// TestNulInInputIsRefused: U+0000 in any field of a form or of an API
// body (a campaign's name or message, a suppression's reason, a webhook's
// URL, a token's name) is refused with a 422 naming the field, and
// nothing is saved, on both engines (PostgreSQL answered 500).
func TestNulInInputIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ann := e.loggedIn("ann@example.com")
		acct := senderOf(t, e, "ann@example.com", 2000101, "Ann")
		token := ann.createToken(t, "nul")
		ctx := context.Background()
		annID := ann.userID(t)

		for _, c := range []struct {
			path  string
			form  url.Values
			field string
		}{
			{"/campaigns", url.Values{"name": {"Spr\x00ing"}, "message": {"Hi"}, "sender": {fmt.Sprint(acct)}, "recipients": {"@alice_m"}}, "name"},
			{"/campaigns", url.Values{"name": {"Spring"}, "message": {"Hi\x00"}, "sender": {fmt.Sprint(acct)}, "recipients": {"@alice_m"}}, "message"},
			{"/suppressions", url.Values{"user": {"@alice_m"}, "reason": {"asked\x00"}}, "reason"},
			{"/tokens", url.Values{"name": {"to\x00ken"}}, "name"},
			{"/campaigns?q=a%00b", url.Values{"name": {"Spring"}}, "q"},
		} {
			r := ann.post(c.path, c.form).wantStatus(t, http.StatusUnprocessableEntity)
			r.wantBody(t, "The field "+c.field+" holds a NUL character")
		}
		for _, c := range []struct {
			path, body, field string
		}{
			{"/api/v1/campaigns", fmt.Sprintf(`{"name":"Spr\u0000ing","message":"Hi","audience":{"usernames":["alice_m"]},"sender_account_ids":[%d]}`, acct), "name"},
			{"/api/v1/campaigns", fmt.Sprintf(`{"name":"Spring","message":"Hi","audience":{"usernames":["alice_m","b\u0000b"]},"sender_account_ids":[%d]}`, acct), "audience.usernames[1]"},
			{"/api/v1/suppressions", `{"username":"alice_m","reason":"asked\u0000"}`, "reason"},
			{"/api/v1/webhooks", `{"url":"https://example.com/\u0000","events":["campaign.completed"]}`, "url"},
		} {
			r := ann.apiBody(http.MethodPost, c.path, token, c.body).wantStatus(t, http.StatusUnprocessableEntity)
			if code, msg, _, _ := r.apiError(t); code != "validation_failed" || !strings.Contains(msg, "The field "+c.field+" holds a NUL") {
				t.Errorf("%s %s: %s %q", c.path, c.body, code, msg)
			}
		}
		if n, _ := s.CountCampaigns(ctx, annID); n != 0 {
			t.Errorf("%d campaigns saved", n)
		}
		if n, _ := s.CountSuppressions(ctx, annID); n != 0 {
			t.Errorf("%d suppressions saved", n)
		}
	})
}
