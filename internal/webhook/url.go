package webhook

import (
	"net"
	"net/netip"
	"net/url"
	"strings"

	"github.com/telegramate/telegramate/internal/apperr"
)

// maxURLLength bounds an endpoint's URL.
const maxURLLength = 2000

// ValidateURL accepts an https URL, or an http one whose host is a
// loopback address (127.0.0.1, ::1, localhost) for tests and tools on the
// same machine. Events leave the instance signed but readable by anyone
// on the path, so nothing else is accepted.
func ValidateURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", apperr.Validation("url", "Enter the URL to send events to")
	}
	if len(s) > maxURLLength {
		return "", apperr.Validation("url", "The URL is too long (at most 2,000 characters)")
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", apperr.Validation("url", "That is not a URL: enter one such as https://example.com/telegramate")
	}
	if u.User != nil {
		return "", apperr.Validation("url", "Leave user names and passwords out of the URL: every event is signed with the endpoint's secret instead")
	}
	if u.Fragment != "" {
		return "", apperr.Validation("url", "Leave the #fragment out of the URL: it is never sent to a server")
	}
	host := u.Hostname()
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(host) {
			return "", apperr.Validation("url", "Use an https:// URL: plain http is accepted only for a loopback address (127.0.0.1, ::1, localhost)")
		}
	default:
		return "", apperr.Validation("url", "Use an https:// URL (or http:// to a loopback address such as 127.0.0.1)")
	}
	if host == "" {
		return "", apperr.Validation("url", "The URL names no host")
	}
	if p := u.Port(); p != "" {
		if _, err := net.LookupPort("tcp", p); err != nil || p == "0" {
			return "", apperr.Validation("url", "The URL's port is not valid")
		}
	}
	return u.String(), nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
