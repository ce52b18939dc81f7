package secrets

import (
	"bytes"
	"errors"
	"testing"
)

func testKey(id string, fill byte) Key {
	return Key{ID: id, Secret: bytes.Repeat([]byte{fill}, KeySize)}
}

func mustKeyring(t *testing.T, keys ...Key) *Keyring {
	t.Helper()
	k, err := NewKeyring(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var ad = []byte("telegram_accounts.session_sealed:7")

func TestSealOpenRoundTrip(t *testing.T) {
	k := mustKeyring(t, testKey("a", 1))
	for _, plain := range [][]byte{nil, []byte("x"), bytes.Repeat([]byte("session"), 1000)} {
		sealed, err := k.Seal(plain, ad)
		if err != nil {
			t.Fatal(err)
		}
		if len(plain) > 8 && bytes.Contains(sealed, plain[:16]) {
			t.Error("sealed value contains the plaintext")
		}
		got, err := k.Open(sealed, ad)
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("open: %q, %v", got, err)
		}
	}
}

func TestSealIsRandomised(t *testing.T) {
	k := mustKeyring(t, testKey("a", 1))
	a, _ := k.Seal([]byte("same"), ad)
	b, _ := k.Seal([]byte("same"), ad)
	if bytes.Equal(a, b) {
		t.Error("sealing twice gave the same bytes: nonce reused")
	}
}

func TestOpenWithWrongKey(t *testing.T) {
	sealed, _ := mustKeyring(t, testKey("a", 1)).Seal([]byte("hash"), ad)
	if _, err := mustKeyring(t, testKey("a", 2)).Open(sealed, ad); !errors.Is(err, ErrOpen) {
		t.Errorf("same id, other key: %v, want ErrOpen", err)
	}
	if _, err := mustKeyring(t, testKey("b", 1)).Open(sealed, ad); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unknown id: %v, want ErrUnknownKey", err)
	}
}

func TestOpenWithOtherPurpose(t *testing.T) {
	k := mustKeyring(t, testKey("a", 1))
	sealed, _ := k.Seal([]byte("hash"), ad)
	if _, err := k.Open(sealed, []byte("telegram_accounts.session_sealed:8")); !errors.Is(err, ErrOpen) {
		t.Errorf("other associated data: %v, want ErrOpen", err)
	}
}

func TestTamperingIsDetected(t *testing.T) {
	k := mustKeyring(t, testKey("a", 1))
	sealed, _ := k.Seal([]byte("api hash"), ad)
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x01
		if _, err := k.Open(bad, ad); err == nil {
			t.Errorf("flipping byte %d went unnoticed", i)
		}
	}
	for n := range len(sealed) {
		if _, err := k.Open(sealed[:n], ad); err == nil {
			t.Errorf("truncating to %d bytes went unnoticed", n)
		}
	}
}

func TestNewKeySealsOldKeysOpen(t *testing.T) {
	old := mustKeyring(t, testKey("old", 1))
	sealed, _ := old.Seal([]byte("session"), ad)
	both := mustKeyring(t, testKey("new", 2), testKey("old", 1))
	if got, err := both.Open(sealed, ad); err != nil || string(got) != "session" {
		t.Fatalf("old value with both keys: %q %v", got, err)
	}
	fresh, _ := both.Seal([]byte("session"), ad)
	if id, _ := KeyID(fresh); id != "new" {
		t.Errorf("sealed with %q, want the first key", id)
	}
	rewrapped, err := both.Rewrap(sealed)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := KeyID(rewrapped); id != "new" {
		t.Errorf("rewrapped with %q, want new", id)
	}
	if got, err := mustKeyring(t, testKey("new", 2)).Open(rewrapped, ad); err != nil || string(got) != "session" {
		t.Errorf("rewrapped value without the old key: %q %v", got, err)
	}
	if again, _ := both.Rewrap(rewrapped); !bytes.Equal(again, rewrapped) {
		t.Error("rewrapping a current value changed it")
	}
}

func TestNewKeyringRejects(t *testing.T) {
	for name, keys := range map[string][]Key{
		"none":         nil,
		"short key":    {{ID: "a", Secret: []byte("short")}},
		"bad id":       {testKey("a b", 1)},
		"long id":      {testKey(string(bytes.Repeat([]byte("x"), 65)), 1)},
		"duplicate id": {testKey("a", 1), testKey("a", 2)},
	} {
		if _, err := NewKeyring(keys...); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
