package config

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/telegramate/telegramate/internal/secrets"
)

// dcList is the repeatable --telegram-dc.
type dcList []DC

func (l *dcList) String() string {
	if l == nil {
		return ""
	}
	parts := make([]string, len(*l))
	for i, d := range *l {
		parts[i] = d.String()
	}
	return strings.Join(parts, ",")
}

func (l *dcList) Set(v string) error {
	dc, err := ParseDC(v)
	if err != nil {
		return err
	}
	for _, have := range *l {
		if have.ID == dc.ID {
			return fmt.Errorf("data center %d given twice", dc.ID)
		}
	}
	*l = append(*l, dc)
	return nil
}

// ParseDC reads "ID=HOST:PORT".
func ParseDC(v string) (DC, error) {
	idText, addr, ok := strings.Cut(strings.TrimSpace(v), "=")
	if !ok {
		return DC{}, fmt.Errorf("%q: want ID=HOST:PORT, e.g. 2=127.0.0.1:4430", v)
	}
	id, err := strconv.Atoi(idText)
	if err != nil || id <= 0 {
		return DC{}, fmt.Errorf("%q: data center ID must be a positive number", v)
	}
	host, portText, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return DC{}, fmt.Errorf("%q: want ID=HOST:PORT, e.g. 2=127.0.0.1:4430", v)
	}
	if port, err := strconv.Atoi(portText); err != nil || port < 1 || port > 65535 {
		return DC{}, fmt.Errorf("%q: port must be 1-65535", v)
	}
	return DC{ID: id, Addr: addr}, nil
}

// prefixList is --trusted-proxies: comma-separated CIDRs or single IPs.
// Given twice, the lists add up.
type prefixList []netip.Prefix

func (l *prefixList) String() string {
	if l == nil {
		return ""
	}
	parts := make([]string, len(*l))
	for i, p := range *l {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}

func (l *prefixList) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := ParseTrustedProxy(part)
		if err != nil {
			return err
		}
		*l = append(*l, p)
	}
	return nil
}

// ParseTrustedProxy reads a CIDR (10.0.0.0/8, fd00::/8) or an IP (one
// address).
func ParseTrustedProxy(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q: want a CIDR such as 10.0.0.0/8 or an IP such as 127.0.0.1", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q: want an IP such as 127.0.0.1 or a CIDR such as 10.0.0.0/8", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// secretValue is a flag whose value never shows in --help or errors.
type secretValue secrets.Secret

func (s *secretValue) String() string {
	if s == nil || *s == "" {
		return ""
	}
	return "[redacted]"
}

func (s *secretValue) Set(v string) error {
	*s = secretValue(v)
	return nil
}
