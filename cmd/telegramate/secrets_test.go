package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
	"github.com/telegramate/telegramate/internal/testkit"
	"github.com/telegramate/telegramate/internal/testkit/apptest"
)

// sealWith stores a webhook endpoint whose secret is sealed with key, as a
// database restored from another instance holds.
func sealWith(t *testing.T, dataDir, dbURL string, key secrets.Key) {
	t.Helper()
	ctx := context.Background()
	st, err := storeopen.Open(ctx, storeopen.Options{DataDir: dataDir, DatabaseURL: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.CreateUser(ctx, store.NewUser{Email: "ann@example.com", PasswordHash: "x", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	kr, err := secrets.NewKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := kr.Seal([]byte("webhook secret"), []byte("webhook_endpoints.secret_sealed"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateWebhookEndpoint(ctx, store.NewWebhookEndpoint{UserID: u.ID, URL: "https://hooks.example.com/x",
		SecretSealed: sealed, Events: []string{"message.received"}, Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

// serveUntilRefused runs serve, which must exit on its own; a serve that
// starts is stopped after a minute and fails the test.
func serveUntilRefused(t *testing.T, args ...string) (code int, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var errOut bytes.Buffer
	code = run(ctx, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...), &env{
		stdin: strings.NewReader(""), stdout: io.Discard, stderr: &errOut, getenv: func(string) string { return "" },
	})
	if ctx.Err() != nil {
		t.Fatalf("serve %v started instead of refusing:\n%s", args, errOut.String())
	}
	return code, errOut.String()
}

var otherKey = secrets.Key{ID: "other-instance", Secret: bytes.Repeat([]byte{9}, secrets.KeySize)}

// TestServeRefusesKeysThatCannotOpenTheDatabase: secrets sealed by
// another key stop serve at start, with the key id it needs, on both
// engines; no key is generated over them.
func TestServeRefusesKeysThatCannotOpenTheDatabase(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		sealWith(t, dir, "", otherKey)
		// No key configured: generating one would not open them.
		code, errOut := serveUntilRefused(t, "--data-dir", dir)
		if code != 1 || !strings.Contains(errOut, `sealed with key id "other-instance"`) || !strings.Contains(errOut, "none is generated") {
			t.Fatalf("serve without a key on sealed data: %d\n%s", code, errOut)
		}
		if _, err := os.Stat(filepath.Join(dir, secrets.KeyFileName)); !os.IsNotExist(err) {
			t.Fatalf("serve generated %s over sealed data (stat: %v)", secrets.KeyFileName, err)
		}
		// A key, but not theirs.
		code, errOut = serveUntilRefused(t, "--data-dir", dir, "--secret-key", apptest.TestKey)
		if code != 1 || !strings.Contains(errOut, `1 sealed with key id "other-instance"`) || !strings.Contains(errOut, "configured key ids: apptest") {
			t.Fatalf("serve with the wrong key: %d\n%s", code, errOut)
		}
		// The same id with other key material is not theirs either.
		code, errOut = serveUntilRefused(t, "--data-dir", dir, "--secret-key", "other-instance:"+strings.Split(apptest.TestKey, ":")[1])
		if code != 1 || !strings.Contains(errOut, "the key configured as other-instance does not open") {
			t.Fatalf("serve with a key under the right id but the wrong material: %d\n%s", code, errOut)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		dir, db := t.TempDir(), testkit.Postgres(t)
		sealWith(t, dir, db, otherKey)
		code, errOut := serveUntilRefused(t, "--data-dir", dir, "--database-url", db, "--secret-key", apptest.TestKey)
		if code != 1 || !strings.Contains(errOut, `1 sealed with key id "other-instance"`) {
			t.Fatalf("serve with the wrong key: %d\n%s", code, errOut)
		}
	})
}

// TestPostgresNodeWithoutKeyWritesNothing: every PostgreSQL node must be
// given the shared key; one that is not exits and leaves no key behind.
func TestPostgresNodeWithoutKeyWritesNothing(t *testing.T) {
	dir, db := filepath.Join(t.TempDir(), "data"), testkit.Postgres(t)
	code, errOut := serveUntilRefused(t, "--data-dir", dir, "--database-url", db)
	if code != 1 || !strings.Contains(errOut, "on PostgreSQL every node must be given the same key") {
		t.Fatalf("serve on PostgreSQL without a key: %d\n%s", code, errOut)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("serve on PostgreSQL without a key wrote %s (stat: %v)", dir, err)
	}
}

// TestHealthzSaysWhenKeysStopOpeningTheDatabase: a secret sealed with a key
// this node lacks, written while it serves (another node rotated), turns
// /healthz to 503 naming the key id.
func TestHealthzSaysWhenKeysStopOpeningTheDatabase(t *testing.T) {
	app := apptest.StartApp(t, apptest.AppKeyCheckEvery(50*time.Millisecond))
	health := func() (int, string) {
		resp, err := http.Get(app.URL + "/healthz")
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := health(); code != http.StatusOK {
		t.Fatalf("/healthz at start: %d %s", code, body)
	}
	sealWith(t, app.DataDir, "", otherKey)
	testkit.Eventually(t, 30*time.Second, "/healthz to answer 503 naming key id other-instance", func() bool {
		code, body := health()
		return code == http.StatusServiceUnavailable && strings.Contains(body, "other-instance")
	})
}

// TestSecretsNewKey writes a 0600 key serve accepts, owned as asked, and
// never overwrites one.
func TestSecretsNewKey(t *testing.T) {
	c := cli{t, nil}
	file := filepath.Join(t.TempDir(), "etc", "secret.key")
	code, out, errOut := c.run("", "secrets", "new-key", "--file", file, "--owner", strconv.Itoa(os.Getuid()))
	if code != 0 || !regexp.MustCompile(`^Wrote key k[0-9a-f]{8} to `).MatchString(out) {
		t.Fatalf("secrets new-key: %d %q %q", code, out, errOut)
	}
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v, want mode 0600", st, err)
	}
	before, _ := os.ReadFile(file)
	if _, err := secrets.LoadKeyring(secrets.KeyOptions{KeyFile: file}); err != nil {
		t.Fatalf("serve would refuse the new key file: %v", err)
	}
	code, _, errOut = c.run("", "secrets", "new-key", "--file", file)
	if after, _ := os.ReadFile(file); code != 1 || !strings.Contains(errOut, "already exists") || !bytes.Equal(before, after) {
		t.Fatalf("secrets new-key over a key: %d %q", code, errOut)
	}
	if code, _, errOut := c.run("", "secrets", "new-key"); code != 2 || !strings.Contains(errOut, "--file is required") {
		t.Fatalf("secrets new-key without --file: %d %q", code, errOut)
	}
}
