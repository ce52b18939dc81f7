package ui

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/media"
	"github.com/telegramate/telegramate/internal/usertext"
	"github.com/telegramate/telegramate/internal/web/auth"
)

const (
	sessionUserKey = "user_id"
	// sessionWorkspaceKey remembers the workspace a session works in.
	sessionWorkspaceKey = "workspace_id"
)

// loadUser puts the session's user, if any, into the context. A session
// whose user no longer exists is treated as logged out.
func (h *Handler) loadUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := h.Sessions.GetInt64(r.Context(), sessionUserKey)
		if id == 0 {
			next.ServeHTTP(w, r)
			return
		}
		u, err := h.Users.ByID(r.Context(), id)
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				h.renderError(w, r, "error", &Page{Title: "Error"}, err)
				return
			}
			h.Sessions.Remove(r.Context(), sessionUserKey)
			next.ServeHTTP(w, r)
			return
		}
		ctx := auth.WithUser(r.Context(), u)
		// The membership is read on every request, so a role change or a
		// removal takes effect on the next one.
		preferred := h.Sessions.GetInt64(ctx, sessionWorkspaceKey)
		current, mine, err := h.Workspaces.Resolve(ctx, u, preferred)
		if err != nil {
			h.renderError(w, r, "error", &Page{Title: "Error"}, err)
			return
		}
		if current.ID != preferred {
			h.Sessions.Put(ctx, sessionWorkspaceKey, current.ID)
		}
		ws := &auth.Workspace{ID: current.ID, Name: current.Name, Role: actor.Role(current.Role), Mine: mine}
		next.ServeHTTP(w, r.WithContext(auth.WithWorkspace(ctx, ws, false, clientIP(r))))
	})
}

func (h *Handler) requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth.UserFrom(r.Context()) != nil {
			next.ServeHTTP(w, r)
			return
		}
		target := "/login"
		if r.Method == http.MethodGet && r.URL.Path != "/" {
			target += "?next=" + url.QueryEscape(r.URL.RequestURI())
		}
		redirect(w, r, target)
	})
}

var errAdminOnly = &apperr.Error{
	Code:    apperr.CodeForbidden,
	Message: "Only instance administrators can open this page",
	Hint:    "Ask an administrator if you need access.",
	Status:  http.StatusForbidden,
}

func (h *Handler) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := auth.UserFrom(r.Context()); u == nil || !u.IsAdmin {
			h.renderError(w, r, "error", &Page{Title: "Forbidden"}, errAdminOnly)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// redirect answers a form post or page load with 303, and an htmx request
// with HX-Redirect so the whole page changes rather than one fragment.
func redirect(w http.ResponseWriter, r *http.Request, target string) {
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext keeps post-login redirects on this site: a local absolute path,
// never "//host" or "/\host" that browsers treat as another origin.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || next[0] != '/' || len(next) > 1 && (next[1] == '/' || next[1] == '\\') ||
		u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

// DefaultBodyLimit bounds the body of every UI request: the largest form a
// page sends is a few KB. A route that takes a file asks for more with
// withUpload.
const DefaultBodyLimit = 256 << 10

// uploadMemory is how much of an upload is kept in memory; the rest spills
// to temporary files, which bodyLimits removes when the request ends.
const uploadMemory = 1 << 20

// routeOption adjusts one route's middleware (see withUpload).
type routeOption func(*routeOpts)

type routeOpts struct {
	// role is the least role in the workspace that may open the route;
	// the domain checks it again for every change.
	role      actor.Role
	bodyLimit int64
	multipart bool
	stream    bool
}

// needs refuses a route to a role below min before anything else runs, so
// a page whose only use is a change (a form to connect an account) is not
// shown to someone who cannot make it, and a request is refused for its
// role before its input is judged.
func needs(min actor.Role) routeOption { return func(o *routeOpts) { o.role = min } }

func (h *Handler) requireRole(min actor.Role, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := actor.Require(r.Context(), min); err != nil {
			h.renderError(w, r, "error", &Page{Title: "Not allowed"}, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// stream marks a long-lived response (server-sent events): a user may hold
// at most MaxStreamsPerUser of them open at once on this node.
func stream() routeOption { return func(o *routeOpts) { o.stream = true } }

// MaxStreamsPerUser bounds one user's open live-progress streams on a
// node: each holds a connection and a goroutine for as long as a page is
// open, so a script opening thousands would exhaust the server.
const MaxStreamsPerUser = 8

var errTooManyStreams = &apperr.Error{
	Code:    "too_many_streams",
	Message: "Too many live progress pages are open",
	Hint:    "Close some of the tabs that show live progress, then reload this one.",
	Status:  http.StatusTooManyRequests,
}

type streamCounter struct {
	mu   sync.Mutex
	open map[int64]int
}

// acquire takes one of the user's stream slots; release gives it back.
func (c *streamCounter) acquire(userID int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open == nil {
		c.open = map[int64]int{}
	}
	if c.open[userID] >= MaxStreamsPerUser {
		return false
	}
	c.open[userID]++
	return true
}

func (c *streamCounter) release(userID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open[userID]--; c.open[userID] <= 0 {
		delete(c.open, userID)
	}
}

func (h *Handler) streamLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := auth.UserFrom(r.Context())
		if u == nil {
			next.ServeHTTP(w, r) // requireUser answers
			return
		}
		if !h.streams.acquire(u.ID) {
			// An EventSource shows no page: plain text says it to whoever
			// looks at the request.
			w.Header().Set("Retry-After", "30")
			http.Error(w, errTooManyStreams.Message+". "+errTooManyStreams.Hint, errTooManyStreams.Status)
			return
		}
		defer h.streams.release(u.ID)
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		if ws := auth.WorkspaceFrom(ctx); ws != nil {
			go h.watchMembership(ctx, cancel, u.ID, ws.ID, ws.Role)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// StreamRecheckEvery is how often an open stream reads its person's
// membership again: a removal or a role change closes it within this
// time (the browser's EventSource reconnects, and the new request is
// judged on the new role).
const StreamRecheckEvery = 2 * time.Second

func (h *Handler) watchMembership(ctx context.Context, stop context.CancelFunc, userID, workspaceID int64, role actor.Role) {
	t := time.NewTicker(StreamRecheckEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		m, err := h.Workspaces.Membership(ctx, workspaceID, userID)
		if _, gone := apperr.As(err); gone || err == nil && actor.Role(m.Role) != role {
			stop()
			return
		}
	}
}

// withUpload lets a route accept multipart/form-data (a file input) with a
// body of at most limit bytes, e.g. a CSV import:
//
//	h.private(mux, "POST /suppressions/import", h.importSuppressions, withUpload(8<<20))
//
// Everywhere else multipart is refused with 415 and bodies are capped at
// DefaultBodyLimit. The form is parsed before the handler runs
// (r.MultipartForm, r.FormFile) and its temporary files are removed when it
// returns.
func withUpload(limit int64) routeOption {
	return func(o *routeOpts) { o.bodyLimit, o.multipart = limit, true }
}

var (
	errBodyTooLarge = &apperr.Error{
		Code:    "request_too_large",
		Message: "The request is too large",
		Hint:    "This page accepts forms of a few hundred KB at most. Send less text, or a smaller file where a page asks for one.",
		Status:  http.StatusRequestEntityTooLarge,
	}
	errMultipartRefused = &apperr.Error{
		Code:    "unsupported_media_type",
		Message: "This form does not take files",
		Hint:    "Send the form as application/x-www-form-urlencoded, as the page itself does.",
		Status:  http.StatusUnsupportedMediaType,
	}
	errBadForm = &apperr.Error{
		Code:    "bad_request",
		Message: "The form could not be read",
		Hint:    "Reload the page and send the form again.",
		Status:  http.StatusBadRequest,
	}
)

// bodyLimits caps the request body and parses a posted form here, on the
// request every later handler sees, so nothing is parsed lazily on a copy:
// net/http removes the temporary files only of the multipart form of the
// request it passed to the handler, never of a copy made by r.WithContext.
func (h *Handler) bodyLimits(o routeOpts, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(e *apperr.Error) {
			// The rest of the body is not read: the connection closes.
			w.Header().Set("Connection", "close")
			h.renderError(w, r, "error", &Page{Title: e.Message}, e)
		}
		if r.ContentLength > o.bodyLimit {
			fail(tooLargeFor(o))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, o.bodyLimit)
		mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		isMultipart := mediaType == "multipart/form-data"
		if isMultipart && !o.multipart {
			fail(errMultipartRefused)
			return
		}
		switch {
		case isMultipart && hasBody(r):
			if err := r.ParseMultipartForm(uploadMemory); err != nil {
				if r.MultipartForm != nil {
					_ = r.MultipartForm.RemoveAll()
				}
				e := formError(err)
				if errors.Is(e, errBodyTooLarge) {
					e = tooLargeFor(o).Wrap(err)
				}
				fail(e)
				return
			}
			defer func() { _ = r.MultipartForm.RemoveAll() }()
		case hasBody(r):
			if err := r.ParseForm(); err != nil {
				fail(formError(err))
				return
			}
		}
		if field, ok := nulInForm(r); ok {
			fail(usertext.NULError(field))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// nulInForm finds a query or form field holding U+0000: it is no text,
// PostgreSQL cannot store it, and it must never reach Telegram, so the
// form is refused whole, naming the field. (An uploaded file is its
// parser's to judge.)
func nulInForm(r *http.Request) (string, bool) {
	sets := []url.Values{r.URL.Query(), r.PostForm}
	if r.MultipartForm != nil {
		sets = append(sets, r.MultipartForm.Value)
	}
	for _, set := range sets {
		for name, vs := range set {
			if usertext.HasNUL(name) || usertext.CheckNUL(name, vs...) != nil {
				return strings.ReplaceAll(name, "\x00", ""), true
			}
		}
	}
	return "", false
}

func hasBody(r *http.Request) bool {
	return r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch
}

// tooLargeFor is the refusal of a body over a route's limit: a form
// with files says how much it takes, not the few hundred KB of others.
func tooLargeFor(o routeOpts) *apperr.Error {
	if !o.multipart {
		return errBodyTooLarge
	}
	e := *errBodyTooLarge
	e.Message = fmt.Sprintf("The form with its files is larger than %s, the most this page takes", media.HumanBytes(o.bodyLimit))
	e.Hint = "Go back and choose smaller files; each field beside a file input says the largest it takes."
	return &e
}

func formError(err error) *apperr.Error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || errors.Is(err, multipart.ErrMessageTooLarge) {
		return errBodyTooLarge.Wrap(err)
	}
	return errBadForm.Wrap(err)
}
