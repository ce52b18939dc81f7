package sandbox

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"math/big"

	"github.com/gotd/td/crypto/srp"
	"github.com/gotd/td/tg"
)

// srpPrimeHex is the 2048-bit safe prime Telegram sends with g = 3 in
// account.getPassword (the same one it uses for key exchange).
const srpPrimeHex = "c71caeb9c6b1c9048e6c522f70f13f73980d40238e3e21c14934d037563d930f" +
	"48198a0aa7c14058229493d22530f4dbfa336f6e0ac925139543aed44cce7c37" +
	"20fd51f69458705ac68cd4fe6b6b13abdc9746512969328454f18faf8c595f64" +
	"2477fe96bb2a941d5bcd1d4ac8cc49880708fa9b378e3c4f3a9060bee67cf9a4" +
	"a4a695811051907e162753b56b0f6b410dba74d8a84b2a14b3144e0ef1284754" +
	"fd17ed950d5965b4b9dd46582db1178d169c6bc465b0d6ff9ca3928fef5b9ae4" +
	"e418fc15e83ebea0f87fa9ff5eed70050ded2849f47bf959d956850ce929851f" +
	"0d8115f635b105ee2e4e15d04b2454bf6f4fadf034b10403119cd8e3b92fcc5b"

const srpG = 3

var (
	srpPrimeBytes, _ = hex.DecodeString(srpPrimeHex)
	srpPrime         = new(big.Int).SetBytes(srpPrimeBytes)
)

// srpVerifier is what Telegram stores for a 2FA password: the salts and
// v = g^x mod p, never the password.
type srpVerifier struct {
	salt1, salt2 []byte
	v            *big.Int
}

// srpSession is one account.getPassword answer waiting for its check.
type srpSession struct {
	id     int64
	userID int64
	ver    *srpVerifier
	b, gb  *big.Int
}

func newSRPVerifier(password string) (*srpVerifier, error) {
	salt1 := make([]byte, 8)
	salt2 := make([]byte, 16)
	_, _ = rand.Read(salt1)
	_, _ = rand.Read(salt2)
	// gotd's NewHash is the client's "set a new password" step: it appends
	// 32 random bytes to salt1 and returns v, exactly what the server keeps.
	v, fullSalt1, err := srp.NewSRP(rand.Reader).NewHash([]byte(password), srp.Input{
		Salt1: salt1, Salt2: salt2, G: srpG, P: srpPrimeBytes,
	})
	if err != nil {
		return nil, fmt.Errorf("srp verifier: %w", err)
	}
	return &srpVerifier{salt1: fullSalt1, salt2: salt2, v: new(big.Int).SetBytes(v)}, nil
}

func (v *srpVerifier) algo() *tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow {
	return &tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow{
		Salt1: v.salt1, Salt2: v.salt2, G: srpG, P: srpPrimeBytes,
	}
}

func pad256(x *big.Int) []byte {
	out := make([]byte, 256)
	x.FillBytes(out)
	return out
}

func sha(parts ...[]byte) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// start picks the server's secret b and computes srp_B = k*v + g^b mod p.
func (v *srpVerifier) start(userID int64) *srpSession {
	bBytes := make([]byte, 256)
	_, _ = rand.Read(bBytes)
	b := new(big.Int).SetBytes(bBytes)
	g := big.NewInt(srpG)
	k := new(big.Int).SetBytes(sha(srpPrimeBytes, pad256(g)))
	gb := new(big.Int).Exp(g, b, srpPrime)
	gb.Add(gb, new(big.Int).Mul(k, v.v))
	gb.Mod(gb, srpPrime)
	return &srpSession{id: randInt64(), userID: userID, ver: v, b: b, gb: gb}
}

// check verifies the client's M1 for its A, as Telegram's server does.
func (s *srpSession) check(aBytes, m1 []byte) bool {
	a := new(big.Int).SetBytes(aBytes)
	one := big.NewInt(1)
	pMinus1 := new(big.Int).Sub(srpPrime, one)
	if len(aBytes) > 256 || a.Cmp(one) <= 0 || a.Cmp(pMinus1) >= 0 {
		return false
	}
	ga, gb := pad256(a), pad256(s.gb)
	u := new(big.Int).SetBytes(sha(ga, gb))
	// S = (A * v^u)^b mod p
	sv := new(big.Int).Exp(s.ver.v, u, srpPrime)
	sv.Mul(sv, a).Mod(sv, srpPrime)
	sv.Exp(sv, s.b, srpPrime)
	ka := sha(pad256(sv))
	hp := sha(srpPrimeBytes)
	hg := sha(pad256(big.NewInt(srpG)))
	x := make([]byte, len(hp))
	subtle.XORBytes(x, hp, hg)
	want := sha(x, sha(s.ver.salt1), sha(s.ver.salt2), ga, gb, ka)
	return subtle.ConstantTimeCompare(want, m1) == 1
}
