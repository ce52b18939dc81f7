package secrets

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func b64(fill byte) string {
	return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{fill}, KeySize))
}

func TestParseKeys(t *testing.T) {
	keys, err := ParseKeys("new:" + b64(2) + ", " + b64(1) + "\n# a comment\n" +
		"url:" + base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, KeySize)))
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, k := range keys {
		ids = append(ids, k.ID)
	}
	want := []string{"new", Fingerprint(bytes.Repeat([]byte{1}, KeySize)), "url"}
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Errorf("ids %v, want %v", ids, want)
	}
	for _, bad := range []string{"a:notbase64!", "a:" + base64.StdEncoding.EncodeToString([]byte("short"))} {
		_, err := ParseKeys(bad)
		if err == nil {
			t.Errorf("%q accepted", bad)
		} else if strings.Contains(err.Error(), strings.TrimPrefix(bad, "a:")) {
			t.Errorf("error repeats the key: %v", err)
		}
	}
}

func TestLoadKeyringGeneratesKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	var log bytes.Buffer
	k, err := LoadKeyring(KeyOptions{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, KeyFileName)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", st.Mode().Perm())
	}
	if !strings.Contains(log.String(), path) {
		t.Errorf("log does not say where the key is: %s", log.String())
	}
	sealed, _ := k.Seal([]byte("x"), nil)

	// The next start reads the same key back, and says nothing.
	log.Reset()
	again, err := LoadKeyring(KeyOptions{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Open(sealed, nil); err != nil || string(got) != "x" {
		t.Errorf("second start cannot open the first's value: %v", err)
	}
	if log.Len() != 0 {
		t.Errorf("second start logged: %s", log.String())
	}
}

func TestLoadKeyringRefusesReadableKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(path, []byte(b64(1)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadKeyring(KeyOptions{KeyFile: path})
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("mode 0644 key file: %v, want a refusal that says chmod 600", err)
	}
	os.Chmod(path, 0o600)
	if _, err := LoadKeyring(KeyOptions{KeyFile: path}); err != nil {
		t.Errorf("mode 0600: %v", err)
	}
}

func TestLoadKeyringFlagKeysSealFileKeysOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(path, []byte("old:"+b64(1)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	k, err := LoadKeyring(KeyOptions{Keys: Secret("new:" + b64(2)), KeyFile: path, DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	if k.CurrentKeyID() != "new" {
		t.Errorf("current key %q, want the flag's", k.CurrentKeyID())
	}
	if _, err := os.Stat(filepath.Join(dataDir, KeyFileName)); err == nil {
		t.Error("a key was generated although keys were configured")
	}
}

// TestDocumentedRotationOpensGeneratedKey: the README's rotation,
// --secret-key "new:…,old:…", names the generated key "old"; what it
// sealed carries its fingerprint id, and must still open and re-seal.
func TestDocumentedRotationOpensGeneratedKey(t *testing.T) {
	dir := t.TempDir()
	gen, err := LoadKeyring(KeyOptions{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := gen.Seal([]byte("session"), []byte("s"))
	if err != nil {
		t.Fatal(err)
	}
	oldB64, err := os.ReadFile(filepath.Join(dir, KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	newB64 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, KeySize))
	rotated, err := LoadKeyring(KeyOptions{Keys: Secret("new:" + newB64 + ",old:" + strings.TrimSpace(string(oldB64)))})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open(sealed, []byte("s")); err != nil || string(got) != "session" {
		t.Fatalf("open what the generated key %s sealed under \"old:\": %q, %v", gen.CurrentKeyID(), got, err)
	}
	resealed, err := rotated.Rewrap(sealed)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := KeyID(resealed); id != "new" {
		t.Fatalf("rewrapped with key %q, want new", id)
	}
}

// TestLoadKeyringNoGenerate: where generating is refused, the reason is
// returned and no file is written; an existing key file is still used.
func TestLoadKeyringNoGenerate(t *testing.T) {
	dir := t.TempDir()
	refuse := errors.New("refused")
	if _, err := LoadKeyring(KeyOptions{DataDir: dir, NoGenerate: refuse}); !errors.Is(err, refuse) {
		t.Fatalf("LoadKeyring = %v, want the refusal", err)
	}
	if _, err := os.Stat(filepath.Join(dir, KeyFileName)); !os.IsNotExist(err) {
		t.Fatalf("a key file was written: %v", err)
	}
	if _, err := WriteNewKeyFile(filepath.Join(dir, KeyFileName)); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeyring(KeyOptions{DataDir: dir, NoGenerate: refuse}); err != nil {
		t.Fatalf("an existing key file with generating refused: %v", err)
	}
	if _, err := WriteNewKeyFile(filepath.Join(dir, KeyFileName)); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("WriteNewKeyFile over a key: %v, want fs.ErrExist", err)
	}
}
