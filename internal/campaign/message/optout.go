package message

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/telegramate/telegramate/internal/apperr"
)

// defaultOptOutKeywords are the replies that stop messages when the user
// has not configured a list. Unexported so no caller can change them for
// every other: IsOptOut and OptOutKeywords hand them out.
var defaultOptOutKeywords = []string{"stop", "unsubscribe", "stopall", "cancel", "end", "quit", "opt out", "optout"}

// Limits of a user's keyword list.
const (
	MaxOptOutKeywords     = 50
	MaxOptOutKeywordRunes = 40
)

// IsOptOut reports whether a reply asks to stop: the whole reply, ignoring
// case and everything that is not a letter or digit around and between its
// words, is one of the keywords. So "STOP", "stop.", " Stop! 🛑",
// "Opt-out" and "UNSUBSCRIBE!!" stop messages, while "please stop",
// "stop it" and "don't stop" do not: a person writing a sentence may mean
// something else, and a false opt-out silently loses a recipient.
// Letters compare with Unicode simple case folding (strings.EqualFold).
// A nil or empty list means the defaults (STOP, unsubscribe, …); to add a user's own
// keywords to the defaults, pass both.
func IsOptOut(text string, keywords []string) bool {
	if len(keywords) == 0 {
		keywords = defaultOptOutKeywords
	}
	// No keyword can be this long; skip normalising a long message.
	if len(text) > 4*MaxOptOutKeywordRunes*utf8.UTFMax {
		return false
	}
	reply := normalizeKeyword(text)
	if reply == "" {
		return false
	}
	for _, k := range keywords {
		if strings.EqualFold(reply, normalizeKeyword(k)) {
			return true
		}
	}
	return false
}

// normalizeKeyword keeps the words of s (letters and digits, with the
// marks that combine with them) separated by single spaces.
func normalizeKeyword(s string) string {
	var b strings.Builder
	inWord, pendingSpace := false, false
	for _, r := range s {
		word := unicode.IsLetter(r) || unicode.IsDigit(r) || (inWord && unicode.IsMark(r))
		if !word {
			inWord = false
			pendingSpace = b.Len() > 0
			continue
		}
		if pendingSpace {
			b.WriteByte(' ')
			pendingSpace = false
		}
		b.WriteRune(r)
		inWord = true
	}
	return b.String()
}

// ParseKeywords reads a user's opt-out keywords, separated by commas or line
// breaks. Each is stored as IsOptOut compares it (lower case, words
// separated by one space) and repeats are dropped. A blank list is no
// keywords, not an error.
func ParseKeywords(s string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, item := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k := strings.ToLower(normalizeKeyword(item))
		switch {
		case k == "":
			return nil, keywordError(fmt.Sprintf("The opt-out keyword %q has no letters or digits", short(item)),
				"A reply is compared without its punctuation and emoji, so a keyword needs a word, such as STOP.")
		case utf8.RuneCountInString(k) > MaxOptOutKeywordRunes:
			return nil, keywordError(fmt.Sprintf("The opt-out keyword %q is longer than %d characters", short(item), MaxOptOutKeywordRunes),
				"Use a short word or phrase that people reply on its own, such as STOP or unsubscribe.")
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, k)
	}
	if len(out) > MaxOptOutKeywords {
		return nil, keywordError(fmt.Sprintf("There are %d opt-out keywords; at most %d are allowed", len(out), MaxOptOutKeywords),
			"Keep the words people actually reply with; the defaults (STOP, unsubscribe, …) need not be repeated.")
	}
	return out, nil
}

// OptOutKeywords is the defaults followed by a user's own keywords, each
// once: the list to pass to IsOptOut.
func OptOutKeywords(custom []string) []string {
	out := append([]string(nil), defaultOptOutKeywords...)
	for _, k := range custom {
		dup := false
		for _, o := range out {
			dup = dup || strings.EqualFold(normalizeKeyword(o), normalizeKeyword(k))
		}
		if !dup {
			out = append(out, k)
		}
	}
	return out
}

func keywordError(msg, hint string) *apperr.Error {
	e := apperr.Validation("opt_out_keywords", msg)
	e.Hint = hint
	return e
}
