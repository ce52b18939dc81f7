package web

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}
	for _, c := range []struct {
		name    string
		peer    string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"no proxy trusted: the peer, whatever the header says", "127.0.0.1:5000", []string{"198.51.100.7"}, nil, "127.0.0.1"},
		{"untrusted peer: the header is ignored", "192.0.2.1:5000", []string{"198.51.100.7"}, proxies, "192.0.2.1"},
		{"trusted peer, one hop", "127.0.0.1:5000", []string{"198.51.100.7"}, proxies, "198.51.100.7"},
		{"rightmost untrusted hop, spoofed left part ignored", "127.0.0.1:5000", []string{"6.6.6.6, 198.51.100.7, 10.1.2.3"}, proxies, "198.51.100.7"},
		{"several header lines", "127.0.0.1:5000", []string{"6.6.6.6", "198.51.100.7", "10.1.2.3"}, proxies, "198.51.100.7"},
		{"all hops trusted: the leftmost", "127.0.0.1:5000", []string{"10.9.9.9, 10.1.2.3"}, proxies, "10.9.9.9"},
		{"no header: the proxy", "127.0.0.1:5000", nil, proxies, "127.0.0.1"},
		{"unreadable hop: the last trusted one", "127.0.0.1:5000", []string{"198.51.100.7, junk, 10.1.2.3"}, proxies, "10.1.2.3"},
		{"hop with a port", "127.0.0.1:5000", []string{"198.51.100.7:4711"}, proxies, "198.51.100.7"},
		{"IPv6 hop", "127.0.0.1:5000", []string{"[2001:db8::1]:4711"}, proxies, "2001:db8::1"},
		{"IPv4-mapped peer", "[::ffff:127.0.0.1]:5000", []string{"198.51.100.7"}, proxies, "198.51.100.7"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.peer
			for _, h := range c.xff {
				r.Header.Add("X-Forwarded-For", h)
			}
			if got := clientIP(r, c.trusted); got != c.want {
				t.Errorf("client %q, want %q", got, c.want)
			}
		})
	}
}
