// Package apperr holds the one error type a user ever reads.
//
// A domain package returns an *Error when the user (or an API client) can do
// something about the failure; the web layer renders it the same way in HTML
// (next to Field when set) and JSON ({"error":{"code","message","hint"}}).
// Anything else is an internal error and is shown as a generic message.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// The codes more than one package writes or reads. A code is compared
// only through these (TestCodesAreNamed), so renaming one cannot split it.
const (
	CodeFloodWait           = "flood_wait"
	CodeValidation          = "validation_failed"
	CodeNotFound            = "not_found"
	CodeForbidden           = "forbidden"
	CodeAccountLimited      = "account_limited"
	CodeAccountNeedsRelogin = "account_needs_relogin"
	CodeTelegramUnavailable = "telegram_unavailable"
	CodeInternal            = "internal_error"
	CodeUnauthorized        = "unauthorized"
	CodeDatabaseBusy        = "database_busy"
	CodeQuotaExceeded       = "quota_exceeded"
)

// Error is what the user should read and what to do, written once.
type Error struct {
	Code    string // machine-readable, snake_case: "invalid_api_credentials"
	Message string // the headline: "Invalid API credentials"
	Hint    string // what to do about it
	Field   string // the form field the message belongs next to, if any
	Status  int    // HTTP status; 0 means 400

	// RetryAfter is set for flood_wait and throttling errors.
	RetryAfter time.Duration

	cause error
}

func (e *Error) Error() string {
	s := e.Message
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	if e.cause != nil {
		s += " (" + e.cause.Error() + ")"
	}
	return s
}

func (e *Error) Unwrap() error { return e.cause }

// Is matches two *Error values by Code, so errors.Is(err, ErrX) works on
// copies made by With* helpers.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// HTTPStatus is the status a handler answers with.
func (e *Error) HTTPStatus() int {
	if e.Status == 0 {
		return http.StatusBadRequest
	}
	return e.Status
}

// Wrap returns a copy of e that carries cause for logs and errors.Is.
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.cause = cause
	return &c
}

// OnField returns a copy of e shown next to the named form field.
func (e *Error) OnField(field string) *Error {
	c := *e
	c.Field = field
	return &c
}

// WithRetryAfter returns a copy of e with a wait attached.
func (e *Error) WithRetryAfter(d time.Duration) *Error {
	c := *e
	c.RetryAfter = d
	return &c
}

// As finds the *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Validation is a bad-input error for one field.
func Validation(field, message string) *Error {
	return &Error{Code: CodeValidation, Message: message, Field: field, Status: http.StatusUnprocessableEntity}
}

// NotFound is returned for missing objects and for other users' objects alike,
// so an id never reveals whether it exists.
func NotFound(what string) *Error {
	return &Error{
		Code:    CodeNotFound,
		Message: fmt.Sprintf("%s not found", what),
		Hint:    "Check the link or id; it may have been deleted.",
		Status:  http.StatusNotFound,
	}
}

// FormatWait renders a wait the way users read it: "37 seconds", "4 minutes",
// "2 hours 5 minutes".
func FormatWait(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s < 1 {
		s = 1
	}
	plural := func(n int64, unit string) string {
		if n == 1 {
			return fmt.Sprintf("1 %s", unit)
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case s < 60:
		return plural(s, "second")
	case s < 3600:
		m, r := s/60, s%60
		if r == 0 {
			return plural(m, "minute")
		}
		return plural(m, "minute") + " " + plural(r, "second")
	default:
		h, m := s/3600, (s%3600)/60
		if m == 0 {
			return plural(h, "hour")
		}
		return plural(h, "hour") + " " + plural(m, "minute")
	}
}
