package webhook

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
)

// A webhook is a request the instance makes on a tenant's behalf, from
// inside the operator's network: pointed at 10.0.0.1 or the cloud's
// metadata service it would read what only the instance should. So an
// endpoint must be a public address, checked twice: as written when it is
// saved (checkHost), and as resolved each time a connection is made
// (dialControl), so a name that resolves to a public address at save time
// and to 127.0.0.1 later (DNS rebinding) still cannot pass. The operator
// may allow internal addresses (--webhook-allow-private) for receivers on
// the same machine or network.

// errInternalAddress is why a connection was refused.
var errInternalAddress = errors.New("webhook: the address is internal")

// blocked are the ranges no public receiver lives in, besides those
// netip.Addr names itself (loopback, private, link-local, multicast,
// unspecified).
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated), :: and ::1
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
}

// embedsIPv4 are IPv6 ranges that carry an IPv4 address to reach: the
// embedded one is checked too.
var embedsIPv4 = []struct {
	p      netip.Prefix
	offset int // byte offset of the IPv4 address
}{
	{netip.MustParsePrefix("64:ff9b::/96"), 12}, // NAT64
	{netip.MustParsePrefix("64:ff9b:1::/48"), 12},
	{netip.MustParsePrefix("2002::/16"), 2}, // 6to4
}

// internalAddr reports whether ip is one a webhook may not reach.
func internalAddr(ip netip.Addr) bool {
	ip = ip.WithZone("").Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return true
	}
	for _, p := range blocked {
		if p.Contains(ip) {
			return true
		}
	}
	if ip.Is6() {
		for _, e := range embedsIPv4 {
			if e.p.Contains(ip) {
				b := ip.As16()
				if internalAddr(netip.AddrFrom4([4]byte(b[e.offset : e.offset+4]))) {
					return true
				}
			}
		}
	}
	return false
}

// internalNames are host names that always mean this machine or the
// cloud's metadata service, whatever DNS says.
var internalNames = []string{"localhost", "metadata.google.internal", "metadata.goog", "metadata", "instance-data"}

// hostIsInternal reports whether a URL's host, as written, is internal:
// an IP address in any notation a resolver accepts (dotted, IPv6 with a
// zone or an embedded IPv4, and inet_aton's decimal, octal and hex forms
// such as 2130706433 or 0x7f.1) in an internal range, or a name that
// means this machine (localhost and its subdomains) or the metadata
// service. Other names are checked when connecting.
func hostIsInternal(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if ip, err := netip.ParseAddr(h); err == nil {
		return internalAddr(ip)
	}
	if ip, ok := parseLooseIPv4(h); ok {
		return internalAddr(ip)
	}
	for _, n := range internalNames {
		if h == n || strings.HasSuffix(h, "."+n) && n == "localhost" {
			return true
		}
	}
	return false
}

// parseLooseIPv4 reads the IPv4 forms inet_aton accepts: one to four
// parts, each decimal, octal (leading 0) or hex (0x), the last filling the
// remaining bytes. libc resolvers (and so curl, and a cgo Go) connect to
// them.
func parseLooseIPv4(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 || s == "" {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		if p == "" {
			return netip.Addr{}, false
		}
		base := 10
		switch {
		case strings.HasPrefix(p, "0x") || strings.HasPrefix(p, "0X"):
			base, p = 16, p[2:]
			if p == "" {
				p = "0"
			}
		case len(p) > 1 && p[0] == '0':
			base, p = 8, p[1:]
		}
		v, err := strconv.ParseUint(p, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var n uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 0xff {
			return netip.Addr{}, false
		}
		n |= v << (24 - 8*i)
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*(5-len(vals))) {
		return netip.Addr{}, false
	}
	n |= last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// dialControl refuses, at connect time, an address that is internal: it
// runs for every address the dialer tries, after DNS, so no name can
// smuggle one in.
func dialControl(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return errInternalAddress
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || internalAddr(ip) {
		return errInternalAddress
	}
	return nil
}
