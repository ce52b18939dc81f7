package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/mail/mailtest"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
	"github.com/telegramate/telegramate/internal/users"
)

// TestServeEmailsInvitations: `serve --smtp-url … --base-url …` emails an
// invitation's link, which starts with the configured public address.
func TestServeEmailsInvitations(t *testing.T) {
	srv := mailtest.Start(t, "tg", "s3cret")
	app := apptest.StartApp(t, apptest.AppArgs("--smtp-url", srv.URL("noreply@example.com"), "--smtp-from", "Telegramate <invites@example.com>",
		"--base-url", "https://tg.example.com"))
	ctx := context.Background()
	st, err := storeopen.Open(ctx, storeopen.Options{DataDir: app.Config.DataDir, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	u, err := users.New(st, users.Options{Hash: fastHash}).Create(ctx, users.NewUser{Email: "ann@example.com", Password: goodPassword})
	if err != nil {
		t.Fatal(err)
	}
	mine, err := st.UserWorkspaces(ctx, u.ID)
	st.Close()
	if err != nil || len(mine) != 1 {
		t.Fatalf("ann's workspaces: %v %v", mine, err)
	}
	c := app.APIAs(t, "ann@example.com")
	var out struct {
		URL       string    `json:"url"`
		Emailed   bool      `json:"emailed"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	c.Call("POST", "/workspaces/"+strconv.FormatInt(mine[0].ID, 10)+"/invitations", map[string]any{"email": "ben@example.com", "role": "viewer"}).Into(t, 201, &out)
	if !out.Emailed || !strings.HasPrefix(out.URL, "https://tg.example.com/invite/") {
		t.Fatalf("invitation %+v", out)
	}
	select {
	case m := <-srv.Messages:
		if m.User != "tg" || m.From != "invites@example.com" || len(m.To) != 1 || m.To[0] != "ben@example.com" || !strings.Contains(m.Data, out.URL) {
			t.Errorf("email %+v", m)
		}
	default: // the server keeps a message before it answers DATA, before the API answers
		t.Fatal("no email")
	}
}
