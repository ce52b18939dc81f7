package e2e_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/telegramate/telegramate/internal/accounts/accountstest"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
	"github.com/telegramate/telegramate/internal/web/api"
)

// TestPendingLoginSurvivesRestart: the server restarts between "send code"
// and "enter code", and again before the 2FA password; the login goes on.
func TestPendingLoginSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	a := startApp(t, apptest.AppArgs("--data-dir", dir))
	c := newUser(t, a, "gus@example.com")
	var s api.LoginStep
	c.call("POST", "/accounts", map[string]any{"api_id": accountstest.AppB.ID, "api_hash": accountstest.AppB.Hash, "phone": accountstest.PhoneGus}).Into(t, 201, &s)

	a.Stop()
	a = startApp(t, apptest.AppArgs("--data-dir", dir))
	c.base = a.URL
	c.call("POST", fmt.Sprintf("/accounts/%d/code", s.ID), map[string]string{"code": accountstest.Code(accountstest.PhoneGus)}).Into(t, 200, &s)
	if s.Status != "password_needed" {
		t.Fatalf("after restart and code: %+v", s)
	}

	a.Stop()
	a = startApp(t, apptest.AppArgs("--data-dir", dir))
	c.base = a.URL
	c.call("POST", fmt.Sprintf("/accounts/%d/password", s.ID), map[string]string{"password": accountstest.GusPassword}).Into(t, 200, &s)
	if s.Status != "active" || s.Account.Name != "Gus" {
		t.Fatalf("after restart and password: %+v", s)
	}
	c.call("GET", fmt.Sprintf("/accounts/%d/sessions", s.ID), nil).Into(t, 200, nil)
}

// TestLoginStepsOnTwoNodes: two nodes share a PostgreSQL database and a
// secret key; each step of one login lands on the other node.
func TestLoginStepsOnTwoNodes(t *testing.T) {
	url := testkit.Postgres(t)
	key := make([]byte, secrets.KeySize)
	for i := range key {
		key[i] = byte(i * 7)
	}
	shared := apptest.AppArgs("--database-url", url, "--secret-key", "shared:"+base64.StdEncoding.EncodeToString(key))
	a, b := startApp(t, shared), startApp(t, shared)
	onA := newUser(t, a, "fay@example.com")
	onB := *onA
	onB.base = b.URL
	var s api.LoginStep
	onA.call("POST", "/accounts", map[string]any{"api_id": accountstest.AppC.ID, "api_hash": accountstest.AppC.Hash, "phone": accountstest.PhoneFay}).Into(t, 201, &s)
	onB.call("POST", fmt.Sprintf("/accounts/%d/code", s.ID), map[string]string{"code": accountstest.Code(accountstest.PhoneFay)}).Into(t, 200, &s)
	if s.Status != "active" {
		t.Fatalf("on node B: %+v", s)
	}
	onA.call("GET", fmt.Sprintf("/accounts/%d/sessions", s.ID), nil).Into(t, 200, nil)
}

// TestSecretsNeverStoredOrLogged: after a login with a wrong code and a
// wrong password, none of the API hash, the session, its auth key, the
// codes or the passwords is in the database files or in the app's logs at
// debug level (gotd's included).
func TestSecretsNeverStoredOrLogged(t *testing.T) {
	logs := &testkit.SyncBuffer{}
	a := startApp(t, apptest.AppLogLevel("debug"), apptest.AppLogTo(logs))
	c := newUser(t, a, "gus@example.com")
	var s api.LoginStep
	c.call("POST", "/accounts", map[string]any{"api_id": accountstest.AppG.ID, "api_hash": accountstest.AppG.Hash, "phone": accountstest.PhoneGus}).Into(t, 201, &s)
	path := fmt.Sprintf("/accounts/%d", s.ID)
	c.call("POST", path+"/code", map[string]string{"code": "98789"}).APIError(t, 400, "authorization_failed")
	c.call("POST", path+"/code", map[string]string{"code": accountstest.Code(accountstest.PhoneGus)}).Into(t, 200, &s)
	c.call("POST", path+"/password", map[string]string{"password": "wrong-Pa55word"}).APIError(t, 400, "password_invalid")
	c.call("POST", path+"/password", map[string]string{"password": accountstest.GusPassword}).Into(t, 200, &s)
	c.call("GET", path+"/sessions", nil).Into(t, 200, nil)

	// The session as the app stored it, to know what to look for.
	st := openStore(t, a)
	row, err := st.AccountByID(context.Background(), c.id, s.ID)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secrets.LoadKeyring(a.Config.KeyOptions(nil))
	if err != nil {
		t.Fatal(err)
	}
	session, err := keys.Open(row.SessionSealed, fmt.Appendf(nil, "telegram_accounts.session_sealed:%d", s.ID))
	if err != nil {
		t.Fatal(err)
	}
	authKey, err := accountstest.AuthKey(session)
	if err != nil {
		t.Fatal(err)
	}
	a.Stop()

	find := []accountstest.Secret{
		{Name: "api hash", Value: []byte(accountstest.AppG.Hash)},
		{Name: "session", Value: session},
		{Name: "auth key", Value: authKey},
		{Name: "login code", Value: []byte(accountstest.Code(accountstest.PhoneGus)), Token: true},
		{Name: "wrong login code", Value: []byte("98789"), Token: true},
		{Name: "2FA password", Value: []byte(accountstest.GusPassword)},
		{Name: "wrong 2FA password", Value: []byte("wrong-Pa55word")},
	}
	files, _ := filepath.Glob(filepath.Join(a.DataDir, "telegramate.db*"))
	if len(files) == 0 {
		t.Fatal("no database files")
	}
	var leaks []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		leaks = append(leaks, accountstest.Leaks(filepath.Base(f), b, find)...)
	}
	out := logs.Bytes()
	if !bytes.Contains(out, []byte("level=DEBUG")) || !strings.Contains(string(out), "/password") {
		t.Fatalf("the captured logs look incomplete:\n%.2000s", out)
	}
	leaks = append(leaks, accountstest.Leaks("logs", out, find)...)
	for _, l := range leaks {
		t.Error("found", l)
	}
}
