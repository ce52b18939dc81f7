package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/accounts/accountstest"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
)

// TestNothingTheAppWritesHoldsASecret drives logins through the JSON API
// and the pages, right and wrong (a made-up API hash, wrong codes, wrong
// 2FA passwords), then searches everything the process wrote: every
// response (error pages and error bodies included, headers too), the logs
// at debug level, and every file in the data directory. No API hash,
// session, auth key, login code or 2FA password may be found there, in
// plain text, hex or base64.
func TestNothingTheAppWritesHoldsASecret(t *testing.T) {
	logs := &testkit.SyncBuffer{}
	a := startApp(t, apptest.AppLogLevel("debug"), apptest.AppLogTo(logs))
	var written []response
	keep := func(r response) response { written = append(written, r); return r }

	// The API: Gus (2FA).
	c := newUser(t, a, "ann@example.com")
	junkHash := "0123456789abcdef0123456789abcdee"
	keep(c.call("POST", "/accounts", map[string]any{"api_id": accountstest.AppG.ID, "api_hash": junkHash, "phone": accountstest.PhoneGus}))
	var s apiT
	keep(c.call("POST", "/accounts", map[string]any{"api_id": accountstest.AppG.ID, "api_hash": " " + strings.ToUpper(accountstest.AppG.Hash) + " ", "phone": "+" + accountstest.PhoneGus})).Into(t, 201, &s)
	keep(c.call("POST", fmt.Sprintf("/accounts/%d/code", s.ID), map[string]string{"code": "98789"}))
	keep(c.call("POST", fmt.Sprintf("/accounts/%d/code", s.ID), map[string]string{"code": accountstest.Code(accountstest.PhoneGus)})).Into(t, 200, &s)
	keep(c.call("POST", fmt.Sprintf("/accounts/%d/password", s.ID), map[string]string{"password": "Wrong-Pa55word"}))
	keep(c.call("POST", fmt.Sprintf("/accounts/%d/password", s.ID), map[string]string{"password": accountstest.GusPassword})).Into(t, 200, &s)
	if s.Status != "active" {
		t.Fatalf("API login: %+v", s)
	}
	gus := s.ID
	keep(c.call("GET", fmt.Sprintf("/accounts/%d", gus), nil))
	keep(c.call("GET", fmt.Sprintf("/accounts/%d/activity", gus), nil))
	keep(c.call("GET", fmt.Sprintf("/accounts/%d/sessions", gus), nil))

	// The pages: Bob (2FA), wrong code and password on the way.
	b := signUp(t, a, "bea@example.com")
	r := keep(b.post("/accounts/connect", url.Values{"api_id": {accountstest.AppB.IDString()}, "api_hash": {accountstest.AppB.Hash}, "phone": {accountstest.PhoneBob}}))
	m := regexp.MustCompile(`/accounts/(\d+)/`).FindStringSubmatch(r.Header.Get("Location") + string(r.Body))
	if m == nil {
		t.Fatalf("connect page: %d %s", r.Status, r.Body)
	}
	bob := m[1]
	keep(b.post("/accounts/"+bob+"/code", url.Values{"code": {"55555"}}))
	keep(b.post("/accounts/"+bob+"/code", url.Values{"code": {accountstest.Code(accountstest.PhoneBob)}}))
	keep(b.post("/accounts/"+bob+"/password", url.Values{"password": {"Not-the-password-7"}}))
	keep(b.post("/accounts/"+bob+"/password", url.Values{"password": {accountstest.BobPassword}}))
	keep(b.get("/accounts/" + bob))
	keep(b.get("/accounts/" + bob + "/sessions"))
	if r := keep(b.get("/accounts/" + bob)); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "Bob") {
		t.Fatalf("page login did not finish: %d", r.Status)
	}

	// The sessions, opened with the instance's key, for their auth keys.
	keys, err := secrets.LoadKeyring(a.Config.KeyOptions(nil))
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t, a)
	var sessions [][]byte
	for _, email := range []string{"ann@example.com", "bea@example.com"} {
		u, err := st.UserByEmail(context.Background(), email)
		if err != nil {
			t.Fatal(err)
		}
		list, err := st.ListAccounts(context.Background(), u.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("%s accounts: %v %v", email, list, err)
		}
		blob, err := keys.Open(list[0].SessionSealed, fmt.Appendf(nil, "telegram_accounts.session_sealed:%d", list[0].ID))
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, blob)
	}
	st.Close()
	var secretList []accountstest.Secret
	for i, blob := range sessions {
		key, err := accountstest.AuthKey(blob)
		if err != nil {
			t.Fatal(err)
		}
		secretList = append(secretList,
			accountstest.Secret{Name: fmt.Sprintf("session %d", i), Value: blob},
			accountstest.Secret{Name: fmt.Sprintf("auth key %d", i), Value: key})
	}
	secretList = append(secretList,
		accountstest.Secret{Name: "API hash G", Value: []byte(accountstest.AppG.Hash)},
		accountstest.Secret{Name: "API hash G as typed", Value: []byte(strings.ToUpper(accountstest.AppG.Hash))},
		accountstest.Secret{Name: "API hash B", Value: []byte(accountstest.AppB.Hash)},
		accountstest.Secret{Name: "made-up API hash", Value: []byte(junkHash)},
		accountstest.Secret{Name: "login code G", Value: []byte(accountstest.Code(accountstest.PhoneGus)), Token: true},
		accountstest.Secret{Name: "login code B", Value: []byte(accountstest.Code(accountstest.PhoneBob)), Token: true},
		accountstest.Secret{Name: "wrong code", Value: []byte("98789"), Token: true},
		accountstest.Secret{Name: "wrong code 2", Value: []byte("55555"), Token: true},
		accountstest.Secret{Name: "2FA password G", Value: []byte(accountstest.GusPassword)},
		accountstest.Secret{Name: "2FA password B", Value: []byte(accountstest.BobPassword)},
		accountstest.Secret{Name: "wrong 2FA password", Value: []byte("Wrong-Pa55word")},
		accountstest.Secret{Name: "wrong 2FA password 2", Value: []byte("Not-the-password-7")},
	)

	var leaks []string
	for i, r := range written {
		var all strings.Builder
		for k, vs := range r.Header {
			fmt.Fprintf(&all, "%s: %s\n", k, strings.Join(vs, ", "))
		}
		all.Write(r.Body)
		leaks = append(leaks, accountstest.Leaks(fmt.Sprintf("response %d (%d)", i, r.Status), []byte(all.String()), secretList)...)
	}
	a.Stop() // checkpoints the WAL into the database file
	if n := len(logs.Bytes()); n < 1000 {
		t.Fatalf("the debug log looks empty (%d bytes)", n)
	}
	leaks = append(leaks, accountstest.Leaks("debug log", logs.Bytes(), secretList)...)
	files, _ := filepath.Glob(filepath.Join(a.DataDir, "*"))
	if len(files) < 2 {
		t.Fatalf("data directory: %v", files)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		leaks = append(leaks, accountstest.Leaks(filepath.Base(f), data, secretList)...)
	}
	for _, l := range leaks {
		t.Error("found", l)
	}
	// The search works: a session is found where it is.
	if len(accountstest.Leaks("self-check", append([]byte("x"), sessions[0]...), secretList)) == 0 {
		t.Error("the search does not find a session")
	}
}
