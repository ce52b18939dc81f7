package ui

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/web/auth"
)

// pathID is the path's {id}, or not-found for what.
func pathID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.NotFound(what)
	}
	return id, nil
}

// workspaceID is the tenant the request works in: every owned row is
// keyed by it (see store.Workspace).
func workspaceID(r *http.Request) int64 { return auth.WorkspaceID(r.Context()) }

// fragment renders one named block of a page's template set (htmx swaps
// and server-sent events).
func (h *Handler) fragment(page, block string, data any) ([]byte, error) {
	t, ok := h.tmpl.pages[page]
	if !ok {
		return nil, fmt.Errorf("ui: no template %s", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, data); err != nil {
		return nil, fmt.Errorf("render %s/%s: %w", page, block, err)
	}
	return buf.Bytes(), nil
}
