package medialink_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/medialink"
	"github.com/telegramate/telegramate/internal/secrets"
)

func keyring(t *testing.T, id string, b byte) *secrets.Keyring {
	t.Helper()
	k, err := secrets.NewKeyring(secrets.Key{ID: id, Secret: bytes.Repeat([]byte{b}, secrets.KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestLinks: a link opens as what it named until it expires; a link of
// another instance, a changed one, a cut one or a value sealed for
// something else does not open.
func TestLinks(t *testing.T) {
	keys := keyring(t, "a", 1)
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	want := medialink.Link{WorkspaceID: 7, ConversationID: 1 << 40, MessageID: 123456, Expires: now.Add(time.Hour)}
	tok, err := medialink.Seal(keys, want)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) > 120 || strings.ContainsAny(tok, "/+=") {
		t.Errorf("token %q: want a short, URL-safe path segment", tok)
	}
	got, err := medialink.Open(keys, tok, now)
	if err != nil || got != want {
		t.Fatalf("Open = %+v, %v; want %+v", got, err, want)
	}
	if _, err := medialink.Open(keys, tok, want.Expires); !errors.Is(err, medialink.ErrExpired) {
		t.Errorf("at its expiry: %v, want ErrExpired", err)
	}
	if _, err := medialink.Open(keyring(t, "a", 2), tok, now); !errors.Is(err, medialink.ErrInvalid) {
		t.Errorf("another instance's key: %v, want ErrInvalid", err)
	}
	flipped := []byte(tok)
	flipped[len(flipped)/2] ^= 1
	for name, bad := range map[string]string{"changed": string(flipped), "cut": tok[:len(tok)-3], "empty": "", "not base64": "%%%"} {
		if _, err := medialink.Open(keys, bad, now); !errors.Is(err, medialink.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	other, err := keys.Seal([]byte("session bytes"), []byte("telegram_accounts.session_sealed:1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := medialink.Open(keys, base64URL(other), now); !errors.Is(err, medialink.ErrInvalid) {
		t.Errorf("a value sealed for something else: %v, want ErrInvalid", err)
	}
}

func base64URL(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
