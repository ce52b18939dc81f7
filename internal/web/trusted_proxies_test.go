package web_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
)

// TestLoginThrottleBehindTrustedProxy: behind a trusted reverse proxy the
// client is the one X-Forwarded-For names, so 20 failed logins lock out
// that client only, and the request log shows it; without --trusted-proxies
// the header is ignored.
func TestLoginThrottleBehindTrustedProxy(t *testing.T) {
	for name, opts := range map[string][]apptest.AppOption{"sqlite": nil, "postgres": {apptest.AppOnPostgres()}} {
		t.Run(name, func(t *testing.T) {
			logs := &testkit.SyncBuffer{}
			a := apptest.StartApp(t, append(opts, apptest.AppArgs("--trusted-proxies", "127.0.0.1"), apptest.AppLogTo(logs))...)
			noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			post := func(path, from string, form url.Values) int {
				t.Helper()
				req, _ := http.NewRequest("POST", a.URL+path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-Forwarded-For", from)
				resp, err := noRedirect.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			good := url.Values{"email": {"ann@example.com"}, "password": {"correct horse battery"}}
			if s := post("/signup", "198.51.100.1", good); s != http.StatusSeeOther {
				t.Fatalf("sign up: %d", s)
			}
			// Distinct emails, so only the per-IP limit (20) comes into play.
			for i := range 20 {
				form := url.Values{"email": {fmt.Sprintf("guess%d@example.com", i)}, "password": {"wrong password"}}
				if s := post("/login", "198.51.100.7", form); s == http.StatusSeeOther {
					t.Fatalf("a wrong password logged in")
				}
			}
			if s := post("/login", "198.51.100.7", good); s == http.StatusSeeOther {
				t.Error("the client with 20 failed logins is not throttled")
			}
			if s := post("/login", "198.51.100.8", good); s != http.StatusSeeOther {
				t.Errorf("another client behind the same proxy is locked out: %d", s)
			}
			if !bytes.Contains(logs.Bytes(), []byte("remote=198.51.100.8")) {
				t.Error("the request log does not show the client's address")
			}
		})
	}
	t.Run("untrusted", func(t *testing.T) {
		logs := &testkit.SyncBuffer{}
		a := apptest.StartApp(t, apptest.AppLogTo(logs))
		req, _ := http.NewRequest("GET", a.URL+"/login", nil)
		req.Header.Set("X-Forwarded-For", "198.51.100.9")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if b := logs.Bytes(); bytes.Contains(b, []byte("198.51.100.9")) || !bytes.Contains(b, []byte("remote=127.0.0.1")) {
			t.Errorf("X-Forwarded-For believed without --trusted-proxies:\n%s", b)
		}
	})
}
