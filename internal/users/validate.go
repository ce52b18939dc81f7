package users

import (
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/telegramate/telegramate/internal/apperr"
)

const (
	MinPasswordLen = 10
	// maxPasswordLen bounds the work one request can cause; nobody types more.
	maxPasswordLen = 1024
	maxEmailLen    = 254
)

// NormalizeEmail trims and lower-cases an email, so "Ann@Example.com " and
// "ann@example.com" are the same user.
func NormalizeEmail(email string) string {
	email = strings.TrimSpace(email)
	if !utf8.ValidString(email) {
		// ToLower would turn the bad bytes into U+FFFD and hide them
		// from ValidateEmail.
		return email
	}
	return strings.ToLower(email)
}

// ValidateEmail expects a normalized email.
func ValidateEmail(email string) *apperr.Error {
	if email == "" {
		return withHint(apperr.Validation("email", "Enter your email address"), "")
	}
	if !utf8.ValidString(email) {
		return withHint(apperr.Validation("email", "This is not a valid email address"), "It holds bytes that are not text (UTF-8).")
	}
	addr, err := mail.ParseAddress(email)
	at := strings.LastIndexByte(email, '@')
	if err != nil || addr.Address != email || len(email) > maxEmailLen ||
		at < 1 || !strings.Contains(email[at+1:], ".") || strings.ContainsAny(email, " <>") {
		return withHint(apperr.Validation("email", "This is not a valid email address"),
			"Use an address like name@example.com.")
	}
	return nil
}

func ValidatePassword(password string) *apperr.Error {
	if !utf8.ValidString(password) {
		return apperr.Validation("password", "The password holds bytes that are not text (UTF-8)")
	}
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLen:
		return withHint(apperr.Validation("password", "Use at least 10 characters"),
			"A longer password is harder to guess; a few unrelated words work well.")
	case len(password) > maxPasswordLen:
		return apperr.Validation("password", "This password is too long (at most 1024 bytes)")
	}
	return nil
}

func withHint(e *apperr.Error, hint string) *apperr.Error {
	e.Hint = hint
	return e
}
