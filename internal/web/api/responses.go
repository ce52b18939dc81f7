package api

import (
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// The media types of the files the API streams.
const (
	mediaJSON = "application/json"
	mediaCSV  = "text/csv"
	mediaXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// streamed documents a streamed 200 answer's content, one entry per media
// type the handler writes: huma cannot see into a StreamResponse's body
// and would leave it empty, which generated clients read as "no body" (an
// oapi-codegen client took the JSON rows for an error). A JSON entry gives
// the Go type it encodes; csv and xlsx are files.
func (a *API) streamed(o huma.Operation, jsonBody reflect.Type, files ...string) huma.Operation {
	content := map[string]*huma.MediaType{}
	if jsonBody != nil {
		content[mediaJSON] = &huma.MediaType{Schema: a.huma.OpenAPI().Components.Schemas.Schema(jsonBody, true, o.OperationID+"Response")}
	}
	for _, m := range files {
		// No format "binary" for the xlsx file: huma writes it as 3.1's
		// contentMediaType, which the 3.0 form must not hold.
		content[m] = &huma.MediaType{Schema: &huma.Schema{Type: huma.TypeString,
			Description: "The whole listing as a file (sent with Content-Disposition: attachment)"}}
	}
	if o.Responses == nil {
		o.Responses = map[string]*huma.Response{}
	}
	o.Responses["200"] = &huma.Response{Description: "OK", Content: content}
	return o
}

// errorAnswers says which error statuses an operation can answer with,
// beyond the ones every operation or every input can cause (see
// documentErrors). Telegram's answers reach a client through these
// operations: a flood wait or refused phone (429), Telegram unreachable
// or failing (503, 502), and a login that ran out of time (410).
var errorAnswers = map[string][]int{
	"accept-invitation":              {http.StatusGone},
	"connect-account":                {http.StatusTooManyRequests, http.StatusBadGateway},
	"submit-account-code":            {http.StatusGone, http.StatusTooManyRequests, http.StatusBadGateway},
	"submit-account-password":        {http.StatusGone, http.StatusTooManyRequests, http.StatusBadGateway},
	"resend-account-code":            {http.StatusGone, http.StatusTooManyRequests, http.StatusBadGateway},
	"rotate-account":                 {http.StatusTooManyRequests, http.StatusBadGateway},
	"relogin-account":                {http.StatusTooManyRequests, http.StatusBadGateway},
	"list-account-sessions":          {http.StatusTooManyRequests, http.StatusBadGateway},
	"terminate-account-session":      {http.StatusTooManyRequests, http.StatusBadGateway},
	"list-account-chats":             {http.StatusTooManyRequests, http.StatusBadGateway},
	"start-extraction":               {http.StatusTooManyRequests, http.StatusBadGateway},
	"create-campaign":                {http.StatusTooManyRequests, http.StatusBadGateway},
	"test-send-message":              {http.StatusTooManyRequests, http.StatusBadGateway},
	"answer-conversation":            {http.StatusTooManyRequests, http.StatusBadGateway},
	"get-conversation-message-media": {http.StatusTooManyRequests, http.StatusBadGateway},
	"test-webhook":                   {http.StatusTooManyRequests},
	"add-suppression":                {http.StatusTooManyRequests, http.StatusBadGateway},
}

// documentErrors gives every operation its error answers, each with the
// one error schema, in place of huma's lone "default" answer: a client
// generated from the document then has a type for each, and the test that
// checks real answers against the document fails on an undocumented one.
func (a *API) documentErrors() {
	doc := a.huma.OpenAPI()
	errSchema := doc.Components.Schemas.Schema(reflect.TypeFor[ErrorResponse](), true, "ErrorResponse")
	for _, item := range doc.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post, item.Put, item.Patch, item.Delete} {
			if op == nil {
				continue
			}
			delete(op.Responses, "default")
			textBodies(op)
			for _, status := range operationErrors(op) {
				r := &huma.Response{
					Description: errorMeaning[status],
					Content:     map[string]*huma.MediaType{mediaJSON: {Schema: errSchema}},
				}
				if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
					r.Headers = map[string]*huma.Param{"Retry-After": {
						Description: "Seconds to wait before retrying, as retry_after in the body",
						Schema:      &huma.Schema{Type: huma.TypeInteger},
					}}
				}
				op.Responses[strconv.Itoa(status)] = r
			}
		}
	}
}

// operationErrors lists the error statuses op can answer with.
func operationErrors(op *huma.Operation) []int {
	// A missing or revoked token; a role in the workspace that does not
	// allow the call; a Telegramate-Workspace header that is no workspace
	// id (400) or not one of the caller's (404); the database busy
	// (Retry-After) or a failure of ours.
	statuses := []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound,
		http.StatusInternalServerError, http.StatusServiceUnavailable}
	var inPath, inQuery bool
	for _, p := range op.Parameters {
		inPath = inPath || p.In == "path"
		inQuery = inQuery || p.In == "query"
	}
	body := op.RequestBody != nil
	if inPath || inQuery || body {
		// Input huma or the domain refuses: 422 with the field named, 400
		// for a check that names no status.
		statuses = append(statuses, http.StatusBadRequest, http.StatusUnprocessableEntity)
	}
	if inPath || body {
		// An id in the path or the body that is not one of yours.
		statuses = append(statuses, http.StatusNotFound)
	}
	if body {
		statuses = append(statuses, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
	}
	if op.Method != http.MethodGet {
		// A change the object's state does not allow (starting a
		// running campaign, a second login of one phone).
		statuses = append(statuses, http.StatusConflict)
	}
	statuses = append(statuses, errorAnswers[op.OperationID]...)
	slices.Sort(statuses)
	return slices.Compact(statuses)
}

// errorMeaning describes each error answer in the document.
var errorMeaning = map[int]string{
	http.StatusBadRequest:            "The request is not valid (code and message say why)",
	http.StatusUnauthorized:          "Missing, unknown or revoked API token",
	http.StatusForbidden:             "Your role in the workspace does not allow this (forbidden; the message names the role needed), or the token is read-only",
	http.StatusNotFound:              "No such object among yours, or a Telegramate-Workspace you are not a member of",
	http.StatusConflict:              "The object's state does not allow this now",
	http.StatusGone:                  "The login ran out of time or attempts (start it again), or the invitation expired, was used or was revoked (ask for a new one)",
	http.StatusRequestEntityTooLarge: "The request body is too large",
	http.StatusUnsupportedMediaType:  "The request body has the wrong Content-Type",
	http.StatusUnprocessableEntity:   "A field is not valid (validation_failed; the message names it)",
	http.StatusTooManyRequests:       "Telegram or the instance asks to wait (Retry-After and retry_after say how long)",
	http.StatusInternalServerError:   "Something went wrong on our side",
	http.StatusBadGateway:            "Telegram answered with an error",
	http.StatusServiceUnavailable:    "The database or Telegram cannot answer now; nothing changed (retry after Retry-After)",
}

// textBodies keeps a text request body (the suppression CSV) a plain
// string: huma marks a raw body format "binary" and writes that as 3.1's
// contentMediaType, which its 3.0 form of the document keeps, making that
// form invalid for the tools that read it (oapi-codegen, kin-openapi).
func textBodies(op *huma.Operation) {
	if op.RequestBody == nil {
		return
	}
	for media, m := range op.RequestBody.Content {
		if strings.HasPrefix(media, "text/") && m.Schema != nil && m.Schema.Format == "binary" {
			m.Schema.Format = ""
		}
	}
}
