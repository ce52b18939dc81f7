// Package recipients reads the usernames and user ids a person pastes or
// uploads for a campaign's audience.
//
// Items are "@name", "name", t.me links ("https://t.me/name", "t.me/name",
// telegram.me), tg://resolve?domain=name and tg://user?id=ID links, and
// numeric user ids. Usernames follow Telegram's rule (letters, digits and
// underscores, starting with a letter, at most 32 characters) with a
// minimum of 3 instead of 5, because the sandbox's test worlds use short
// names such as "ann"; they are stored lower-cased, without the @.
//
// Duplicates are dropped and counted. An item that is not a user is
// reported with its line and the reason, and the rest are still read: the
// caller decides whether to go on. Only input over the limits fails the
// whole parse.
package recipients

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/usertext"
)

// Default limits.
const (
	DefaultMaxRows  = 100_000
	DefaultMaxBytes = 8 << 20
)

// MaxReported is how many invalid items a Result lists.
const MaxReported = 20

// Ref names one recipient: exactly one of UserID and Username is set.
type Ref struct {
	UserID   int64  `json:"user_id,omitempty"`
	Username string `json:"username,omitempty"`
}

// Limits bound what one parse reads; zero fields take the defaults.
type Limits struct {
	MaxBytes int64
	MaxRows  int
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxRows <= 0 {
		l.MaxRows = DefaultMaxRows
	}
	return l
}

// Result is what a paste or file held.
type Result struct {
	Refs         []Ref     `json:"refs"`
	Duplicates   int       `json:"duplicates"`
	Invalid      []Invalid `json:"invalid"` // the first MaxReported
	InvalidCount int       `json:"invalid_count"`
}

// Invalid is an item that names no user.
type Invalid struct {
	Line   int    `json:"line"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// Reasons an item is refused.
const (
	ReasonNotUser       = "not a username, t.me link or user id"
	ReasonTooShort      = "username is shorter than 3 characters"
	ReasonTooLong       = "username is longer than 32 characters"
	ReasonLeadingChar   = "username must start with a letter"
	ReasonBadChars      = "username may only hold letters, digits and underscores"
	ReasonBadID         = "user id must be a positive number"
	ReasonChatID        = "a chat or channel id, not a user id"
	ReasonInviteLink    = "an invite link, not a user"
	ReasonChatLink      = "a link to a message or chat, not a user"
	ReasonUnsupportedTG = "a tg:// link that names no user"
)

// collector deduplicates and counts as items arrive.
type collector struct {
	res    Result
	seen   map[Ref]struct{}
	rows   int
	lim    Limits
	source string // "list" or "file", for the limit message
}

func newCollector(lim Limits, source string) *collector {
	return &collector{lim: lim, seen: map[Ref]struct{}{}, source: source, res: Result{Refs: []Ref{}, Invalid: []Invalid{}}}
}

// add records one item; it fails only when the item is one too many.
func (c *collector) add(line int, item string) error {
	ref, reason := ParseRef(item)
	return c.addRef(line, item, ref, reason)
}

// addRef records an item already read as ref, or refused for reason.
func (c *collector) addRef(line int, item string, ref Ref, reason string) error {
	c.rows++
	if c.rows > c.lim.MaxRows {
		return tooManyRows(c.lim.MaxRows, c.source)
	}
	if reason != "" {
		c.invalid(line, item, reason)
		return nil
	}
	if _, dup := c.seen[ref]; dup {
		c.res.Duplicates++
		return nil
	}
	c.seen[ref] = struct{}{}
	c.res.Refs = append(c.res.Refs, ref)
	return nil
}

func (c *collector) invalid(line int, item, reason string) {
	c.res.InvalidCount++
	if len(c.res.Invalid) < MaxReported {
		c.res.Invalid = append(c.res.Invalid, Invalid{Line: line, Value: shorten(item), Reason: reason})
	}
}

// shorten keeps a reported value readable and valid UTF-8.
func shorten(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	const max = 64
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max]) + "…"
}

func tooManyRows(max int, source string) *apperr.Error {
	return &apperr.Error{
		Code:    apperr.CodeValidation,
		Message: fmt.Sprintf("The %s has more than %s recipients", source, usertext.Thousands(max)),
		Hint:    fmt.Sprintf("Split it into parts of at most %s and add them to separate campaigns.", usertext.Thousands(max)),
		Field:   "recipients",
		Status:  http.StatusUnprocessableEntity,
	}
}

func tooLarge(max int64, source string) *apperr.Error {
	return &apperr.Error{
		Code:    apperr.CodeValidation,
		Message: fmt.Sprintf("The %s is larger than %s", source, size(max)),
		Hint:    fmt.Sprintf("Keep only the username or user id column, or split it into parts under %s.", size(max)),
		Field:   "recipients",
		Status:  http.StatusRequestEntityTooLarge,
	}
}

func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ParseRef reads one item. It returns the recipient, or the reason the
// item names none.
func ParseRef(item string) (Ref, string) {
	s := strings.TrimSpace(item)
	lower := strings.ToLower(s)
	if strings.HasPrefix(lower, "tg://") {
		return parseTGLink(s)
	}
	scheme := false
	for _, p := range []string{"https://", "http://"} {
		if strings.HasPrefix(lower, p) {
			s, lower, scheme = s[len(p):], lower[len(p):], true
			break
		}
	}
	lower = strings.TrimPrefix(lower, "www.")
	for _, host := range []string{"t.me/", "telegram.me/", "telegram.dog/"} {
		if strings.HasPrefix(lower, host) {
			return parseLinkPath(lower[len(host):])
		}
	}
	if scheme {
		return Ref{}, ReasonNotUser
	}
	if s != "" && (s[0] == '-' || s[0] == '+' || isDigit(s[0])) {
		return parseID(s)
	}
	return parseUsername(strings.TrimPrefix(s, "@"))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func parseID(s string) (Ref, string) {
	if strings.HasPrefix(s, "-") {
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			return Ref{}, ReasonChatID
		}
		return Ref{}, ReasonBadID
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || s[0] == '+' {
		return Ref{}, ReasonBadID
	}
	return Ref{UserID: id}, ""
}

// parseUsername checks Telegram's rule, with 3 characters allowed.
func parseUsername(name string) (Ref, string) {
	switch {
	case name == "":
		return Ref{}, ReasonNotUser
	case len(name) > 32:
		for i := 0; i < len(name); i++ {
			if !usernameByte(name[i]) {
				return Ref{}, ReasonNotUser
			}
		}
		return Ref{}, ReasonTooLong
	}
	for i := 0; i < len(name); i++ {
		if !usernameByte(name[i]) {
			if strings.ContainsAny(name, " /:?#") || name[i] >= utf8.RuneSelf {
				return Ref{}, ReasonNotUser
			}
			return Ref{}, ReasonBadChars
		}
	}
	switch {
	case !isLetter(name[0]):
		return Ref{}, ReasonLeadingChar
	case len(name) < 3:
		return Ref{}, ReasonTooShort
	}
	return Ref{Username: strings.ToLower(name)}, ""
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func usernameByte(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' }

// parseLinkPath reads the path of a t.me link: a username, optionally
// followed by a slash or a query (a bot's start parameter).
func parseLinkPath(path string) (Ref, string) {
	path, _, _ = strings.Cut(path, "#")
	path, _, _ = strings.Cut(path, "?")
	path = strings.TrimSuffix(path, "/")
	switch {
	case strings.HasPrefix(path, "+") || strings.HasPrefix(path, "joinchat/"):
		return Ref{}, ReasonInviteLink
	case strings.Contains(path, "/"):
		return Ref{}, ReasonChatLink
	}
	return parseUsername(strings.TrimPrefix(path, "@"))
}

// parseTGLink reads tg://resolve?domain=name and tg://user?id=ID.
func parseTGLink(s string) (Ref, string) {
	rest := s[len("tg://"):]
	kind, query, _ := strings.Cut(rest, "?")
	params := map[string]string{}
	for _, kv := range strings.Split(query, "&") {
		k, v, _ := strings.Cut(kv, "=")
		params[strings.ToLower(k)] = v
	}
	switch strings.ToLower(kind) {
	case "resolve":
		if d, ok := params["domain"]; ok {
			return parseUsername(d)
		}
	case "user":
		if id, ok := params["id"]; ok {
			return parseID(id)
		}
	}
	return Ref{}, ReasonUnsupportedTG
}
