package testkit_test

import (
	"testing"

	"github.com/telegramate/telegramate/internal/testkit"
)

// TestRSAKeyIsOnePerProcess: every sandbox of a test process gets the same
// valid key of Telegram's size, generated once.
func TestRSAKeyIsOnePerProcess(t *testing.T) {
	k := testkit.RSAKey(t)
	if err := k.Validate(); err != nil {
		t.Fatal(err)
	}
	if k.N.BitLen() != 2048 {
		t.Errorf("key has %d bits, want 2048", k.N.BitLen())
	}
	if testkit.RSAKey(t) != k {
		t.Error("a second call generated another key")
	}
}
