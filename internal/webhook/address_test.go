package webhook

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// TestInternalAddresses: every notation of an internal address a tenant
// tried is internal, and public addresses are not.
func TestInternalAddresses(t *testing.T) {
	for _, host := range []string{
		"10.0.0.1", "169.254.169.254", "metadata.google.internal", "METADATA.google.internal.", "fd00::1",
		"::ffff:169.254.169.254", "::ffff:a9fe:a9fe", "0.0.0.0", "100.64.0.1", "100.127.255.254", "fe80::1%eth0",
		"127.0.0.1", "127.1", "2130706433", "0x7f000001", "0x7f.1", "0177.0.0.1", "017700000001", "localhost",
		"LocalHost.", "api.localhost", "::1", "::", "::127.0.0.1", "172.16.0.1", "192.168.1.1", "224.0.0.1",
		"ff02::1", "255.255.255.255", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1", "fd00:ec2::254", "198.18.0.1",
	} {
		if !hostIsInternal(host) {
			t.Errorf("%s: not internal", host)
		}
	}
	for _, host := range []string{"example.com", "8.8.8.8", "2606:4700::1111", "100.128.0.1", "1.1.1.1", "64:ff9b::808:808", "localhost.example.com"} {
		if hostIsInternal(host) {
			t.Errorf("%s: internal", host)
		}
	}
}

// TestDialControlRefusesInternal: the connect-time check sees the
// resolved address, whatever name led to it.
func TestDialControlRefusesInternal(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:80", "[::1]:443", "10.1.2.3:443", "[::ffff:169.254.169.254]:80", "[fe80::1%eth0]:443", "nonsense"} {
		if err := dialControl("tcp", addr, nil); err == nil {
			t.Errorf("%s: allowed", addr)
		}
	}
	for _, addr := range []string{"93.184.216.34:443", "[2606:4700::1111]:443"} {
		if err := dialControl("tcp", addr, nil); err != nil {
			t.Errorf("%s: %v", addr, err)
		}
	}
}

// FuzzValidateURL: whatever a tenant types, a URL accepted without
// --webhook-allow-private names no internal host in any notation, is
// https, and validates again to itself.
func FuzzValidateURL(f *testing.F) {
	for _, s := range []string{
		"https://example.com/hook", "https://10.0.0.1/", "https://169.254.169.254/latest/meta-data/",
		"https://metadata.google.internal/computeMetadata/v1/", "https://[fd00::1]/", "https://[::ffff:169.254.169.254]/",
		"https://0.0.0.0/", "https://100.64.0.1/", "https://[fe80::1%25eth0]/", "http://127.0.0.1:6379/",
		"https://2130706433/", "https://0x7f.1/", "https://localhost./", "https://[::]/", "https://8.8.8.8:8443/x?y=1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := ValidateURL(raw, false)
		if err != nil {
			return
		}
		u, perr := url.Parse(got)
		if perr != nil {
			t.Fatalf("accepted %q as %q, which does not parse: %v", raw, got, perr)
		}
		if u.Scheme != "https" {
			t.Fatalf("accepted %q: scheme %q", raw, u.Scheme)
		}
		host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
		if ip, err := netip.ParseAddr(host); err == nil && internalAddr(ip) {
			t.Fatalf("accepted %q: internal address %s", raw, ip)
		}
		if ip, ok := parseLooseIPv4(host); ok && internalAddr(ip) {
			t.Fatalf("accepted %q: internal address %s written as %s", raw, ip, host)
		}
		if host == "localhost" || strings.HasSuffix(host, ".localhost") {
			t.Fatalf("accepted %q: a localhost name", raw)
		}
		again, err := ValidateURL(got, false)
		if err != nil || again != got {
			t.Fatalf("accepted %q as %q, which validates to %q, %v", raw, got, again, err)
		}
	})
}
