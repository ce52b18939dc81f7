package web

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/web/auth"
)

// Health is what /healthz says of the node besides its database.
type Health struct {
	// NodeID names the node (several may share one database).
	NodeID string
	// Draining reports that the node is shutting down; nil never.
	Draining func() bool
	// Problem, when set, names what keeps the node from doing its work
	// although the database answers (its master keys do not open the
	// database's secrets); "" means none.
	Problem func() string
	// Timeout bounds the database's answer (default 3 s).
	Timeout time.Duration
}

// healthz is the node's readiness, for reverse proxies and orchestrators:
// 200 with the node and the database's engine when the database answers,
// 503 with the reason when it does not or while the node is shutting down
// (so a proxy stops sending it requests before it stops accepting them).
func healthz(st store.Store, h Health) http.Handler {
	if h.Timeout <= 0 {
		h.Timeout = 3 * time.Second
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		answer := map[string]string{"node": h.NodeID}
		if h.Draining != nil && h.Draining() {
			answer["status"], answer["reason"] = "unavailable", "shutting down"
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(answer)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), h.Timeout)
		defer cancel()
		if err := st.Ping(ctx); err != nil {
			// The cause (which may name hosts) goes to the log, not to
			// whoever polls this endpoint.
			auth.NoteError(r.Context(), err)
			answer["status"], answer["reason"] = "unavailable", "database unreachable"
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(answer)
			return
		}
		if h.Problem != nil {
			if reason := h.Problem(); reason != "" {
				answer["status"], answer["reason"] = "unavailable", reason
				w.WriteHeader(http.StatusServiceUnavailable)
				_ = json.NewEncoder(w).Encode(answer)
				return
			}
		}
		answer["status"], answer["database"] = "ok", st.Dialect()
		_ = json.NewEncoder(w).Encode(answer)
	})
}
