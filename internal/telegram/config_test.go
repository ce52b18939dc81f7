package telegram

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseDC(t *testing.T) {
	good := map[string]struct {
		id   int
		addr string
	}{
		"2=127.0.0.1:4430":  {2, "127.0.0.1:4430"},
		" 1=[::1]:443 ":     {1, "[::1]:443"},
		"5=localhost:10443": {5, "localhost:10443"},
	}
	for in, want := range good {
		id, addr, err := ParseDC(in)
		if err != nil || id != want.id || addr != want.addr {
			t.Errorf("ParseDC(%q) = %d %q %v", in, id, addr, err)
		}
	}
	for _, in := range []string{"", "2", "x=1.2.3.4:1", "0=1.2.3.4:1", "-1=1.2.3.4:1", "2=1.2.3.4", "2=1.2.3.4:0", "2=1.2.3.4:99999"} {
		if _, _, err := ParseDC(in); err == nil {
			t.Errorf("ParseDC(%q) accepted", in)
		}
	}
	if _, err := ParseDCs([]string{"1=127.0.0.1:1", "1=127.0.0.1:2"}); err == nil {
		t.Error("ParseDCs accepted a duplicate id")
	}
	m, err := ParseDCs([]string{"1=127.0.0.1:1", "2=127.0.0.1:2"})
	if err != nil || len(m) != 2 || m[2] != "127.0.0.1:2" {
		t.Errorf("ParseDCs = %v %v", m, err)
	}
}

func testKeyPEM(t *testing.T) []byte {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&k.PublicKey)})
}

func TestNetworkDefaults(t *testing.T) {
	n, err := Config{}.network()
	if err != nil {
		t.Fatal(err)
	}
	if n.dc != 2 || n.list.Test || len(n.list.Options) == 0 || n.publicKeys != nil {
		t.Errorf("production defaults wrong: dc=%d test=%v options=%d keys=%d", n.dc, n.list.Test, len(n.list.Options), len(n.publicKeys))
	}
	n, err = Config{TestServers: true}.network()
	if err != nil {
		t.Fatal(err)
	}
	if n.dc != 2 || !n.list.Test || n.list.Options[0].IPAddress != "149.154.175.10" {
		t.Errorf("test-server defaults wrong: %+v", n)
	}
}

func TestNetworkCustomDCs(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(keyFile, testKeyPEM(t), 0o600); err != nil {
		t.Fatal(err)
	}
	n, err := Config{DCs: map[int]string{3: "127.0.0.1:3003", 2: "127.0.0.1:3002"}, PublicKeyFile: keyFile}.network()
	if err != nil {
		t.Fatal(err)
	}
	if n.dc != 2 {
		t.Errorf("initial DC = %d, want the lowest id 2", n.dc)
	}
	if len(n.list.Options) != 2 || n.list.Options[0].ID != 2 || n.list.Options[1].Port != 3003 || n.list.Options[1].IPAddress != "127.0.0.1" {
		t.Errorf("options = %+v", n.list.Options)
	}
	if len(n.publicKeys) != 1 {
		t.Errorf("keys = %d", len(n.publicKeys))
	}
}

func TestNewRejectsBadKeys(t *testing.T) {
	dcs := map[int]string{1: "127.0.0.1:1"}
	cases := map[string]Config{
		"no key with DCs": {DCs: dcs},
		"missing file":    {DCs: dcs, PublicKeyFile: filepath.Join(t.TempDir(), "nope.pem")},
		"not PEM":         {DCs: dcs, PublicKeyPEM: []byte("hello")},
		"bad DER":         {DCs: dcs, PublicKeyPEM: pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: []byte("junk")})},
		"bad address":     {DCs: map[int]string{1: "nowhere"}, PublicKeyPEM: testKeyPEM(t)},
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := New(cfg)
			if err == nil {
				t.Fatal("New accepted the config")
			}
			if !strings.Contains(err.Error(), "telegram") {
				t.Errorf("error %q does not say what it is about", err)
			}
		})
	}
}
