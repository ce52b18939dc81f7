package testkit

import (
	"crypto/rand"
	"crypto/rsa"
	"sync"
	"testing"
)

var rsaKey struct {
	once sync.Once
	key  *rsa.PrivateKey
	err  error
}

// RSAKey is a 2048-bit RSA key (the size of Telegram's) generated once per
// test process, for the sandboxes a package starts test after test:
// generating one costs up to a second under -race, and no test depends on
// which key its sandbox has (each sandbox keeps its own auth keys).
func RSAKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	rsaKey.once.Do(func() { rsaKey.key, rsaKey.err = rsa.GenerateKey(rand.Reader, 2048) })
	if rsaKey.err != nil {
		t.Fatalf("rsa key: %v", rsaKey.err)
	}
	return rsaKey.key
}
