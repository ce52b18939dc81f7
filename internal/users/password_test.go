package users

import (
	"strings"
	"testing"
)

func TestHashPasswordIsPHCArgon2id(t *testing.T) {
	hash, err := HashPassword("correct horse battery", DefaultHashParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string with the default parameters", hash)
	}
	ok, params, err := VerifyPassword("correct horse battery", hash)
	if err != nil || !ok || params != DefaultHashParams {
		t.Fatalf("verify right password: ok=%v params=%+v err=%v", ok, params, err)
	}
	if ok, _, _ := VerifyPassword("correct horse batterY", hash); ok {
		t.Fatal("a wrong password verified")
	}
	other, _ := HashPassword("correct horse battery", DefaultHashParams)
	if other == hash {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
}

func TestVerifyPasswordRejectsMalformedHashes(t *testing.T) {
	for _, h := range []string{
		"",
		"plaintext",
		"$argon2i$v=19$m=16,t=1,p=1$c2FsdHNhbHQ$a2V5",
		"$argon2id$v=18$m=16,t=1,p=1$c2FsdHNhbHQ$a2V5",
		"$argon2id$v=19$m=0,t=1,p=1$c2FsdHNhbHQ$a2V5",
		"$argon2id$v=19$m=16,t=1,p=1$!!$a2V5",
	} {
		if _, _, err := VerifyPassword("x", h); err == nil {
			t.Errorf("VerifyPassword accepted malformed hash %q", h)
		}
	}
}
