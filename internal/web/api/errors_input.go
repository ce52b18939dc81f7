package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/telegramate/telegramate/internal/apperr"
)

// Hints for input huma refused before a handler ran. Its own texts are
// about JSON Schema and Go ("Go struct field .chat_id of type int64"), so
// they are reworded here, naming the field, and the hint says where the
// fields are described.
var (
	hintFields    = "See " + Prefix + "/docs for this endpoint's fields."
	hintJSON      = "Check the body's quotes, commas and braces, and send one JSON object. " + hintFields
	hintEmptyBody = "Send a JSON object with Content-Type: application/json. " + hintFields
)

// badRequest is the validation_failed error for huma's findings about a
// request: every finding in user terms as the message, what to do as the
// hint, and the first field named.
func badRequest(status int, msg string, errs []error) *apperr.Error {
	e := &apperr.Error{Code: apperr.CodeValidation, Status: status, Hint: hintFields}
	var texts []string
	seen := map[string]bool{}
	for _, err := range errs {
		var d huma.ErrorDetailer
		if err == nil || !errors.As(err, &d) {
			continue
		}
		f := inputFinding(d.ErrorDetail())
		if f.notJSON {
			e.Message, e.Hint, e.Field = "The request body is not valid JSON", hintJSON, ""
			return e
		}
		if e.Field == "" {
			e.Field = f.field
		}
		if !seen[f.text] {
			seen[f.text] = true
			texts = append(texts, f.text)
		}
	}
	switch {
	case len(texts) > 0:
		e.Message = strings.Join(texts, "; ")
	case strings.EqualFold(msg, "request body is required"):
		e.Message, e.Hint = "The request body is required", hintEmptyBody
	case msg == "" || strings.EqualFold(msg, "validation failed"):
		e.Message = "The request is not valid"
	default:
		e.Message = sentence(msg, http.StatusBadRequest)
	}
	return e
}

type finding struct {
	field   string // "account_id", "seen_within", "" for the whole body
	text    string // "account_id is required"
	notJSON bool   // the body does not parse
}

// inputFinding rewords one of huma's findings. Location is "body",
// "body.account_id", "query.seen_within", "path.id"…; Message is one of
// huma's validation messages or an encoding/json error.
func inputFinding(d *huma.ErrorDetail) finding {
	_, field, _ := strings.Cut(d.Location, ".")
	m := d.Message
	subject := field
	if subject == "" {
		subject = "The request body"
	}
	say := func(format string, args ...any) finding {
		return finding{field: field, text: subject + " " + fmt.Sprintf(format, args...)}
	}
	if name, ok := between(m, "expected required property ", " to be present"); ok {
		if field != "" {
			name = field + "." + name
		}
		return finding{field: name, text: name + " is required"}
	}
	if strings.HasPrefix(m, "invalid date/time") {
		// huma names the format by Go's layout, which means nothing to a client.
		return say("must be an RFC 3339 date and time, e.g. 2026-01-31T09:30:00Z")
	}
	if strings.HasPrefix(m, "json: cannot unmarshal ") {
		return unmarshalFinding(field, m)
	}
	if strings.HasPrefix(m, "invalid character ") || strings.HasPrefix(m, "unexpected end of JSON") ||
		strings.HasPrefix(m, "json: ") {
		return finding{notJSON: true}
	}
	for prefix, format := range boundFormats {
		if v, ok := strings.CutPrefix(m, prefix); ok {
			return say(format, v)
		}
	}
	if v, ok := between(m, `expected value to be one of "`, `"`); ok {
		return say("must be one of %s", v)
	}
	if text, ok := typeTexts[m]; ok {
		return say("%s", text)
	}
	if m == "unexpected property" {
		return finding{field: field, text: field + " is not a field of this endpoint"}
	}
	if field == "" {
		return finding{text: sentence(m, http.StatusBadRequest)}
	}
	return finding{field: field, text: field + ": " + m}
}

// unmarshalFinding rewords "json: cannot unmarshal number 1e20 into Go
// struct field .chat_id of type int64", which huma passes on when a value
// its schema allows does not fit the Go type (a number too large).
func unmarshalFinding(field, m string) finding {
	if _, rest, ok := strings.Cut(m, " into Go struct field "); ok {
		path, typ, _ := strings.Cut(rest, " of type ")
		if _, name, ok := strings.Cut(path, "."); ok && name != "" {
			field = name
		}
		if strings.Contains(typ, "int") || strings.Contains(typ, "float") {
			return finding{field: field, text: field + " is not a valid number"}
		}
	}
	if field == "" {
		return finding{text: "The request body has a value of the wrong type"}
	}
	return finding{field: field, text: field + " has the wrong type"}
}

var typeTexts = map[string]string{
	"expected integer": "must be a whole number",
	"invalid integer":  "must be a whole number",
	"expected number":  "must be a number",
	"invalid float":    "must be a number",
	"expected string":  "must be a string",
	"expected boolean": "must be true or false",
	"invalid boolean":  "must be true or false",
	"expected array":   "must be a JSON array",
	"expected object":  "must be a JSON object",
}

// boundFormats are huma's limits; no key is a prefix of another, so the
// map's order does not matter.
var boundFormats = map[string]string{
	"expected number >= ":       "must be at least %s",
	"expected number > ":        "must be greater than %s",
	"expected number <= ":       "must be at most %s",
	"expected number < ":        "must be less than %s",
	"expected length >= ":       "must be at least %s characters long",
	"expected length <= ":       "must be at most %s characters long",
	"expected array length >= ": "must have at least %s items",
	"expected array length <= ": "must have at most %s items",
}

func between(s, prefix, suffix string) (string, bool) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return "", false
	}
	return strings.CutSuffix(rest, suffix)
}
