package accounts_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/telegramate/telegramate/internal/accounts/accountstest"
	"github.com/telegramate/telegramate/internal/store/storeopen"
)

// TestSecretsStayOutOfDatabaseAndLogs: the API hash, the session and its
// auth key, login codes and 2FA passwords (right and wrong ones) are found
// nowhere in the database files or the logs (debug level, gotd's included).
func TestSecretsStayOutOfDatabaseAndLogs(t *testing.T) {
	dir := t.TempDir()
	st, err := storeopen.Open(context.Background(), storeopen.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	e := newEnv(t, st)
	ctx := ctxFor(t)

	acct, err := e.svc.Start(ctx, e.ann, input(appG, phoneGus))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SubmitCode(ctx, e.ann, acct.ID, "98789"); err == nil {
		t.Fatal("wrong code accepted")
	}
	if _, err := e.svc.SubmitCode(ctx, e.ann, acct.ID, codeFor(phoneGus)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SubmitPassword(ctx, e.ann, acct.ID, "wrong-Pa55word"); err == nil {
		t.Fatal("wrong password accepted")
	}
	if _, err := e.svc.SubmitPassword(ctx, e.ann, acct.ID, gusPass); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Use(ctx, e.ann.UserID, acct.ID, selfCheck(3007)); err != nil {
		t.Fatal(err)
	}
	session := e.session(acct.ID)
	key, err := accountstest.AuthKey(session)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []accountstest.Secret{
		{Name: "api hash", Value: []byte(appG.hash)},
		{Name: "session", Value: session},
		{Name: "auth key", Value: key},
		{Name: "login code", Value: []byte(codeFor(phoneGus)), Token: true},
		{Name: "wrong login code", Value: []byte("98789"), Token: true},
		{Name: "2FA password", Value: []byte(gusPass)},
		{Name: "wrong 2FA password", Value: []byte("wrong-Pa55word")},
	}
	// Close first so the WAL is checkpointed into the main file; the
	// files are read either way.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// A WAL can vanish between the listing and its reading, its pages
	// checkpointed into the main file already read by the last
	// connection's close: read every file again then.
	var leaks []string
	for attempt := 0; ; attempt++ {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		if len(files) == 0 {
			t.Fatal("no database files")
		}
		leaks = leaks[:0]
		vanished := false
		for _, f := range files {
			b, err := os.ReadFile(f)
			if errors.Is(err, fs.ErrNotExist) && attempt < 5 {
				vanished = true
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			leaks = append(leaks, accountstest.Leaks(filepath.Base(f), b, secrets)...)
		}
		if !vanished {
			break
		}
	}
	logs := e.logs.String()
	if len(logs) < 100 {
		t.Fatalf("captured logs look empty: %q", logs)
	}
	leaks = append(leaks, accountstest.Leaks("logs", []byte(logs), secrets)...)
	for _, l := range leaks {
		t.Error("found", l)
	}
	// The search itself works: the secrets are where they belong.
	if got := accountstest.Leaks("self-check", append([]byte("x"), key...), secrets); len(got) == 0 {
		t.Error("the search does not find an auth key")
	}
}
