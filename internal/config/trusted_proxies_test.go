package config

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestTrustedProxies(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil || len(c.TrustedProxies) != 0 {
		t.Fatalf("default trusts %v (%v); want nobody", c.TrustedProxies, err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	c, err = load(t, nil, map[string]string{"TELEGRAMATE_TRUSTED_PROXIES": "127.0.0.1, 10.1.2.3/8,fd00::/8"})
	if err != nil || !slices.Equal(c.TrustedProxies, want) {
		t.Errorf("from the environment: %v %v", c.TrustedProxies, err)
	}
	c, err = load(t, []string{"--trusted-proxies", "::ffff:127.0.0.1"}, map[string]string{"TELEGRAMATE_TRUSTED_PROXIES": "10.0.0.0/8"})
	if err != nil || !slices.Equal(c.TrustedProxies, want[:1]) {
		t.Errorf("the flag over the environment: %v %v", c.TrustedProxies, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.local", "10.0.0"} {
		if _, err := load(t, []string{"--trusted-proxies", bad}, nil); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
