package api

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/web/auth"
)

// ErrorResponse is the one shape of every API error:
// {"error":{"code":"…","message":"…","hint":"…","retry_after":37}}.
type ErrorResponse struct {
	Err    ErrorBody `json:"error"`
	status int
}

type ErrorBody struct {
	Code    string `json:"code" doc:"Machine-readable, snake_case, e.g. validation_failed" example:"not_found"`
	Message string `json:"message" doc:"What went wrong, for a person" example:"Account not found"`
	Hint    string `json:"hint,omitempty" doc:"What to do about it"`
	// RetryAfter is in whole seconds (rounded up), for flood_wait and
	// throttling errors; the Retry-After header says the same.
	RetryAfter int `json:"retry_after,omitempty" doc:"Seconds to wait before retrying"`
}

func (e *ErrorResponse) Error() string  { return e.Err.Code + ": " + e.Err.Message }
func (e *ErrorResponse) GetStatus() int { return e.status }

// GetHeaders makes huma send Retry-After with the body.
func (e *ErrorResponse) GetHeaders() http.Header {
	h := http.Header{}
	if e.Err.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(e.Err.RetryAfter))
	}
	return h
}

var errInternal = &apperr.Error{
	Code:    apperr.CodeInternal,
	Message: "Something went wrong on our side",
	Hint:    "Try again later; if it keeps happening, tell the administrator of this instance.",
	Status:  http.StatusInternalServerError,
}

// errBusy answers when the database could not answer in time (SQLite's
// writers queued past their wait, PostgreSQL restarting): the request was
// fine and changed nothing, so the client retries.
var errBusy = &apperr.Error{
	Code:       apperr.CodeDatabaseBusy,
	Message:    "The database is busy",
	Hint:       "Nothing was changed. Retry after the number of seconds in Retry-After.",
	Status:     http.StatusServiceUnavailable,
	RetryAfter: 5 * time.Second,
}

// FromError turns any error into the response a client sees. An
// *apperr.Error is shown as it is; store.ErrNotFound becomes not_found;
// anything else is an internal error whose details stay in the log.
func FromError(err error) *ErrorResponse {
	var resp *ErrorResponse
	if errors.As(err, &resp) {
		return resp
	}
	e, ok := apperr.As(err)
	switch {
	case ok:
	case errors.Is(err, store.ErrNotFound):
		e = apperr.NotFound("Object")
	case store.IsUnavailable(err):
		e = errBusy
	default:
		e = errInternal
	}
	body := ErrorBody{Code: e.Code, Message: e.Message, Hint: e.Hint}
	if body.Hint == "" && e.Code == apperr.CodeValidation {
		// The shape promises a hint; a domain check that only says what
		// is wrong still leaves the client knowing what to do.
		body.Hint = fallbackHint(e.Field)
	}
	if e.RetryAfter > 0 {
		body.RetryAfter = int(math.Ceil(e.RetryAfter.Seconds()))
	}
	return &ErrorResponse{Err: body, status: e.HTTPStatus()}
}

// WriteError writes err in the API's error shape from plain net/http code
// (middleware, the /api/ catch-all). Huma handlers just return the error.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	resp := FromError(err)
	if resp.status >= 500 {
		auth.NoteError(r.Context(), err)
	}
	for k, v := range resp.GetHeaders() {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(resp.status)
	_ = json.NewEncoder(w).Encode(resp)
}

// huma creates its own errors (bad JSON, failed validation, unknown
// content type, a handler's error); these hooks give them our shape.
func init() {
	huma.NewError = newHumaError
	huma.NewErrorWithContext = func(ctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
		resp := newHumaError(status, msg, errs...)
		if ctx == nil {
			return resp
		}
		if resp.GetStatus() >= 500 {
			auth.NoteError(ctx.Context(), errors.Join(append([]error{errors.New(msg)}, errs...)...))
		}
		// huma only copies headers from the error a handler returned, not
		// from the one made here to wrap it.
		if ra := resp.(*ErrorResponse).Err.RetryAfter; ra > 0 {
			ctx.SetHeader("Retry-After", strconv.Itoa(ra))
		}
		return resp
	}
}

func newHumaError(status int, msg string, errs ...error) huma.StatusError {
	for _, err := range errs {
		if _, ok := apperr.As(err); ok {
			return FromError(err)
		}
		var resp *ErrorResponse
		if errors.As(err, &resp) {
			return resp
		}
		if errors.Is(err, store.ErrNotFound) || store.IsUnavailable(err) {
			return FromError(err)
		}
	}
	if status >= 500 || status == 0 {
		return FromError(errInternal)
	}
	e := &apperr.Error{Code: codeFor(status), Message: sentence(msg, status), Status: status}
	switch status {
	case http.StatusUnsupportedMediaType:
		// huma says "validation failed"; the fix is a header, so name it.
		e.Message = "The request body must be JSON"
		e.Hint = "Send it with the header Content-Type: application/json."
	case http.StatusUnprocessableEntity, http.StatusBadRequest:
		e = badRequest(status, msg, errs)
	}
	return FromError(e)
}

func fallbackHint(field string) string {
	if field == "" {
		return "Correct the request and send it again."
	}
	return "Correct " + field + " and send the request again."
}

func codeFor(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusNotAcceptable:
		return "not_acceptable"
	case http.StatusConflict:
		return "conflict"
	case http.StatusRequestEntityTooLarge:
		return "request_too_large"
	case http.StatusUnsupportedMediaType:
		return "unsupported_media_type"
	case http.StatusTooManyRequests:
		return "too_many_requests"
	}
	return "bad_request"
}

func sentence(msg string, status int) string {
	if msg == "" {
		return http.StatusText(status)
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}
