package testkit

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
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

// UnreachableTelegram is a data center list and its public key for a
// gateway in a test that must never reach Telegram: the one DC is a closed
// port on 127.0.0.1, so a call that does try fails at once (connection
// refused). With telegram.Config's zero DCs such a call dialled Telegram's
// real addresses, which tests must not, and waited out the connect timeout
// (32 s of TestEveryRouteChecksRoles was one account rotation).
func UnreachableTelegram(t testing.TB) (dcs map[int]string, publicKeyPEM []byte) {
	t.Helper()
	key := RSAKey(t)
	return map[int]string{2: "127.0.0.1:1"},
		pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&key.PublicKey)})
}
