package webhook

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/telegramate/telegramate/internal/apperr"
)

// maxURLLength bounds an endpoint's URL.
const maxURLLength = 2000

// ValidateURL accepts an https URL to a public host. With allowPrivate
// (the operator's --webhook-allow-private) it also accepts internal
// addresses, and plain http to a loopback one (127.0.0.1, ::1, localhost)
// for tests and tools on the same machine. Events leave the instance
// signed but readable by anyone on the path, so plain http goes nowhere
// else.
func ValidateURL(raw string, allowPrivate bool) (string, error) {
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
	if !allowPrivate && host != "" && hostIsInternal(host) {
		return "", errInternalURL
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && allowPrivate:
		if !isLoopback(host) {
			return "", apperr.Validation("url", "Use an https:// URL: plain http is accepted only for a loopback address (127.0.0.1, ::1, localhost)")
		}
	default:
		return "", apperr.Validation("url", "Use an https:// URL")
	}
	if host == "" {
		return "", apperr.Validation("url", "The URL names no host")
	}
	if p := u.Port(); p != "" {
		if _, err := net.LookupPort("tcp", p); err != nil || p == "0" {
			return "", apperr.Validation("url", "The URL's port is not valid")
		}
	}
	// A host that parses only in its raw form (a zone of bytes that are not
	// UTF-8, "[1::%25\x85]") is written back escaped in a way url.Parse
	// refuses: what is stored must parse again.
	out := u.String()
	if _, err := url.Parse(out); err != nil {
		return "", apperr.Validation("url", "That is not a URL: enter one such as https://example.com/telegramate")
	}
	return out, nil
}

var errInternalURL = &apperr.Error{Code: apperr.CodeValidation, Field: "url", Status: http.StatusUnprocessableEntity,
	Message: "That address is internal (this machine, a private network or a cloud metadata service): webhooks go to public addresses only",
	Hint:    "Use your receiver's public https:// URL. The administrator of this instance can allow internal addresses with --webhook-allow-private."}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
