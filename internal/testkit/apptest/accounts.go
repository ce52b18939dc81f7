package apptest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/tokens"
	"github.com/telegramate/telegramate/internal/web/api"
)

// APIAs is the API with a new token of the user with this email, for a
// test whose browser signed that user up.
func (a *App) APIAs(t testing.TB, email string) APIClient {
	t.Helper()
	st, err := storeopen.Open(context.Background(), storeopen.Options{DataDir: a.Config.DataDir, DatabaseURL: a.Config.DatabaseURL.Reveal(), NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := tokens.New(st).Create(context.Background(), u.ID, "tests")
	if err != nil {
		t.Fatal(err)
	}
	return APIClient{T: t, Base: a.URL, Token: tok.Reveal()}
}

// WaitListening waits until the account's listener has first read its
// updates state: what reaches the account before is from before the inbox
// started, and is not brought to it.
func (a *App) WaitListening(t testing.TB, accountID int64) {
	t.Helper()
	st, err := storeopen.Open(context.Background(), storeopen.Options{DataDir: a.Config.DataDir, DatabaseURL: a.Config.DatabaseURL.Reveal(), NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	testkit.Eventually(t, time.Minute, "the account's listener to start", func() bool {
		_, ok, err := st.UpdatesStateOf(context.Background(), accountID)
		return err != nil || ok
	})
}

// Connect logs a sandbox account in through the accounts API, with the
// login code the sandbox gives Telegram's test numbers (99966XYYYY: X five
// times), and returns its id.
func (c APIClient) Connect(apiID int, apiHash, phone string) int64 {
	c.T.Helper()
	var s api.LoginStep
	c.Call("POST", "/accounts", map[string]any{"api_id": apiID, "api_hash": apiHash, "phone": "+" + phone}).Into(c.T, 201, &s)
	code := string([]byte{phone[5], phone[5], phone[5], phone[5], phone[5]})
	c.Call("POST", fmt.Sprintf("/accounts/%d/code", s.ID), map[string]string{"code": code}).Into(c.T, 200, &s)
	if s.Status != "active" {
		c.T.Fatalf("connect %s: %+v", phone, s)
	}
	return s.ID
}
