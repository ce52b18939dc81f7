package e2e_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/accounts/accountstest"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
	"github.com/telegramate/telegramate/internal/web/api"
)

// TestActivityLogBehindTrustedProxy: behind a trusted reverse proxy the
// activity log records the client's address from X-Forwarded-For, for the
// API and the pages alike.
func TestActivityLogBehindTrustedProxy(t *testing.T) {
	a := startApp(t, apptest.AppArgs("--trusted-proxies", "127.0.0.0/8"))
	c := newUser(t, a, "ann@example.com")
	body := fmt.Sprintf(`{"api_id":%d,"api_hash":%q,"phone":"+%s"}`, accountstest.AppA.ID, accountstest.AppA.Hash, accountstest.PhoneAnn)
	req, _ := http.NewRequest("POST", a.URL+"/api/v1/accounts", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("connect: %d", resp.StatusCode)
	}

	b := signUp(t, a, "bea@example.com")
	form := url.Values{"api_id": {accountstest.AppB.IDString()}, "api_hash": {accountstest.AppB.Hash}, "phone": {"+" + accountstest.PhoneCleo}}
	req, _ = http.NewRequest("POST", a.URL+"/accounts/connect", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", "203.0.113.10")
	resp, err = b.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	for who, want := range map[*client]string{c: "203.0.113.9", tokenFor(t, a, "bea@example.com"): "203.0.113.10"} {
		var list struct{ Accounts []api.Account }
		who.call("GET", "/accounts", nil).Into(t, 200, &list)
		if len(list.Accounts) != 1 {
			t.Fatalf("%s has %+v", who.email, list.Accounts)
		}
		var act struct{ Activity []api.Activity }
		who.call("GET", fmt.Sprintf("/accounts/%d/activity", list.Accounts[0].ID), nil).Into(t, 200, &act)
		if len(act.Activity) == 0 || act.Activity[0].IP != want {
			t.Errorf("%s's activity %+v, want IP %s", who.email, act.Activity, want)
		}
	}
}
