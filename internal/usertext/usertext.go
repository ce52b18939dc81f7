// Package usertext holds the few rules for text that people give the
// product (its users, and the Telegram users it reads): what input may
// hold, and how it is written out safely into a spreadsheet and a page.
package usertext

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/telegramate/telegramate/internal/apperr"
)

// HasNUL reports whether s holds U+0000.
func HasNUL(s string) bool { return strings.IndexByte(s, 0) >= 0 }

// NULError is the refusal of a value holding U+0000 in field: it is no
// text anyone reads, PostgreSQL cannot store it, and Telegram must never
// be sent it.
func NULError(field string) *apperr.Error {
	return &apperr.Error{Code: apperr.CodeValidation, Field: field, Status: http.StatusUnprocessableEntity,
		Message: fmt.Sprintf("%s holds a NUL character (U+0000), which is not text", fieldName(field)),
		Hint:    "Remove it and send again; it usually comes from copying out of a binary file or a terminal. Nothing was saved."}
}

// CheckNUL refuses, as NULError, the first of values holding U+0000.
func CheckNUL(field string, values ...string) error {
	for _, v := range values {
		if HasNUL(v) {
			return NULError(field)
		}
	}
	return nil
}

func fieldName(field string) string {
	if field == "" {
		return "The request"
	}
	return "The field " + field
}

// CSVCell keeps a spreadsheet from running text as a formula: text
// starting with = + - @ (or a tab or carriage return) gets a leading
// apostrophe, as OWASP advises for CSV exports. Spreadsheets skip leading
// spaces and line breaks before a formula, so those do not hide one.
// Every text column of every export goes through it.
func CSVCell(s string) string {
	t := strings.TrimLeft(s, " \n")
	if t != "" && strings.ContainsRune("=+-@\t\r", rune(t[0])) {
		return "'" + s
	}
	return s
}

// Isolate wraps s in FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE, the
// plain-text <bdi>: a name's bidirectional controls (U+202E turns what
// follows around) stay inside it, where no <bdi> can go (a page's title,
// an attribute).
func Isolate(s string) string {
	if s == "" {
		return s
	}
	return "\u2068" + s + "\u2069"
}

// Thousands writes n with commas between its thousands ("10,446"), as
// the product's pages and messages show counts.
func Thousands(n int) string {
	s := strconv.Itoa(n)
	start := 0
	if n < 0 {
		start = 1
	}
	for i := len(s) - 3; i > start; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
