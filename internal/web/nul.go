package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/usertext"
	"github.com/telegramate/telegramate/internal/web/api"
)

// maxNULScan is the most of a JSON body looked through for U+0000: more
// than the API takes (huma refuses a larger body itself).
const maxNULScan = 1 << 20

// refuseNULInAPI refuses an API request that holds U+0000 in a query
// parameter or in a string of its JSON body, with a field error naming
// where (audience.usernames[2]): it is no text, PostgreSQL cannot store
// it, and it must never reach Telegram. The pages refuse it in their
// forms (ui.bodyLimits).
func refuseNULInAPI(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, api.Prefix+"/") {
			next.ServeHTTP(w, r)
			return
		}
		for name, vs := range r.URL.Query() {
			if usertext.HasNUL(name) || usertext.CheckNUL(name, vs...) != nil {
				api.WriteError(w, r, usertext.NULError(strings.ToValidUTF8(strings.ReplaceAll(name, "\x00", ""), "")))
				return
			}
		}
		if r.Body == nil || !strings.Contains(r.Header.Get("Content-Type"), "json") {
			next.ServeHTTP(w, r)
			return
		}
		head, err := io.ReadAll(io.LimitReader(r.Body, maxNULScan+1))
		if err != nil {
			api.WriteError(w, r, err)
			return
		}
		if len(head) <= maxNULScan {
			if field, ok := nulIn(head); ok {
				api.WriteError(w, r, usertext.NULError(field))
				return
			}
		}
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
		if len(head) <= maxNULScan {
			// The whole body was read here, so net/http already listens
			// for the client going away, with no deadline: the API's own
			// body read timeout, set now, would end that listening, and
			// the request with it, five seconds later.
			w = inMemoryBody{w}
		}
		next.ServeHTTP(w, r)
	})
}

// nulIn finds a JSON string (a value or a key) holding U+0000 and says
// where it is; a body that is not JSON is left for the API to refuse.
func nulIn(body []byte) (string, bool) {
	if !bytes.Contains(body, []byte(`\u0000`)) && bytes.IndexByte(body, 0) < 0 {
		return "", false // the common case, without decoding
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return "", false
	}
	return nulAt(v, "")
}

func nulAt(v any, path string) (string, bool) {
	switch x := v.(type) {
	case string:
		return path, usertext.HasNUL(x)
	case []any:
		for i, e := range x {
			if p, ok := nulAt(e, path+"["+strconv.Itoa(i)+"]"); ok {
				return p, true
			}
		}
	case map[string]any:
		for k, e := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if usertext.HasNUL(k) {
				return strings.ReplaceAll(p, "\x00", ""), true
			}
			if p, ok := nulAt(e, p); ok {
				return p, true
			}
		}
	}
	return "", false
}

// inMemoryBody is a response writer whose request body was read whole
// already: a read deadline has nothing left to bound.
type inMemoryBody struct{ http.ResponseWriter }

func (inMemoryBody) SetReadDeadline(time.Time) error { return nil }

func (w inMemoryBody) Unwrap() http.ResponseWriter { return w.ResponseWriter }
