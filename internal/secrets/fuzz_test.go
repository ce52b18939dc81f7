package secrets

import (
	"bytes"
	"testing"
)

// FuzzOpen: opening whatever a database hands back (truncated, corrupted,
// another key's, made up) answers an error, never a panic, and never
// plaintext that was not sealed with this keyring and associated data.
func FuzzOpen(f *testing.F) {
	k, err := NewKeyring(Key{ID: "k1", Secret: bytes.Repeat([]byte{1}, KeySize)})
	if err != nil {
		f.Fatal(err)
	}
	sealed, err := k.Seal([]byte("api hash"), []byte("ad"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealed, []byte("ad"))
	f.Add(sealed[:len(sealed)-1], []byte("ad"))
	f.Add(sealed, []byte("other"))
	f.Add([]byte{}, []byte{})
	f.Add([]byte("v1:k1:"), []byte("ad"))
	f.Fuzz(func(t *testing.T, data, ad []byte) {
		plain, err := k.Open(data, ad)
		if err != nil {
			return
		}
		// Only the one sealed value (under its associated data) opens;
		// forging another would need the key.
		if !bytes.Equal(plain, []byte("api hash")) || !bytes.Equal(ad, []byte("ad")) {
			t.Fatalf("opened %q with ad %q from %x", plain, ad, data)
		}
	})
}

// FuzzSealOpen: whatever is sealed opens to itself, and only with its
// associated data.
func FuzzSealOpen(f *testing.F) {
	k, err := NewKeyring(Key{ID: "k1", Secret: bytes.Repeat([]byte{2}, KeySize)})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("session"), []byte("account:1"))
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, plain, ad []byte) {
		sealed, err := k.Seal(plain, ad)
		if err != nil {
			t.Fatal(err)
		}
		got, err := k.Open(sealed, ad)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("round trip: %q, %v", got, err)
		}
		if _, err := k.Open(sealed, append(ad, 'x')); err == nil {
			t.Fatal("opened with other associated data")
		}
	})
}
