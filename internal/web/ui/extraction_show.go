package ui

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/store"
)

// progressView is what the progress block shows.
type progressView struct {
	extract.Progress
	Live bool // still changing: keep listening
}

func viewProgress(x store.Extraction) progressView {
	p := extract.ProgressOf(x, time.Now())
	return progressView{Progress: p, Live: !p.Final()}
}

// GET /extractions/{id} — the progress bar, live over server-sent events.
func (h *Handler) showExtraction(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Extraction")
	var x store.Extraction
	if err == nil {
		x, err = h.Extract.Get(r.Context(), workspaceID(r), id)
	}
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Extraction not found", Nav: "lists"}, err)
		return
	}
	h.render(w, r, http.StatusOK, "extraction_show", &Page{Title: "Extracting " + x.ChatTitle, Nav: "lists", Data: viewProgress(x)})
}

// POST /extractions/{id}/cancel
func (h *Handler) cancelExtraction(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Extraction")
	if err == nil {
		_, err = h.Extract.Cancel(r.Context(), workspaceID(r), id)
	}
	if err != nil {
		h.renderError(w, r, "error", &Page{Title: "Cancel extraction", Nav: "lists"}, err)
		return
	}
	h.flash(r, "info", "Extraction cancelled. The members saved so far stay in its list.")
	redirect(w, r, "/extractions/"+strconv.FormatInt(id, 10))
}

// How often the event stream looks at the extraction. The job may run on
// another node, so the database is what it watches.
const progressPoll = 500 * time.Millisecond

// GET /extractions/{id}/events — "progress" events carrying the progress
// block's HTML whenever it changes (every second while waiting, for the
// countdown), then "done" when the extraction is over.
func (h *Handler) extractionEvents(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "Extraction")
	if err == nil {
		_, err = h.Extract.Get(r.Context(), workspaceID(r), id)
	}
	if err != nil {
		http.Error(w, "Not found", http.StatusNotFound)
		return
	}
	h.streamLive(w, r, "extraction progress", progressPoll, nil, func(ctx context.Context) (liveLook, error) {
		x, err := h.Extract.Get(ctx, workspaceID(r), id)
		if err != nil {
			return liveLook{}, err
		}
		v := viewProgress(x)
		ev, err := h.block("progress", "extraction_show", "extraction-progress", v)
		return liveLook{events: []liveEvent{ev}, done: !v.Live}, err
	})
}
