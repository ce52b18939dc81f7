package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"riverqueue.com/riverui"
)

// UIHandler is River's web UI, to be mounted at prefix (e.g. "/admin/jobs")
// behind the admin check. It works on both engines (riverui v0.22 has a
// SQLite driver). Its background work stops when ctx ends.
func (c *Client) UIHandler(ctx context.Context, prefix string, logger *slog.Logger) (http.Handler, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	h, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(c.Client, nil),
		Logger:    logger,
		Prefix:    prefix,
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: river ui: %w", err)
	}
	if err := h.Start(ctx); err != nil {
		return nil, fmt.Errorf("jobs: river ui: %w", err)
	}
	return h, nil
}
