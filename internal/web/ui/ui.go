// Package ui is Telegramate's server-rendered web interface: one small
// handler file per page (Miniflux style), html/template pages on one base
// layout, htmx for partial updates, Bootstrap for looks. All front-end files
// are embedded (static/vendor comes from npm via scripts/vendor-assets.sh).
//
// To add a page: a handler file with methods on *Handler, a template in
// templates/pages/, and one line in routes.go.
package ui

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/alexedwards/scs/v2"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/media"
	"github.com/telegramate/telegramate/internal/tokens"
	"github.com/telegramate/telegramate/internal/users"
	"github.com/telegramate/telegramate/internal/webhook"
	"github.com/telegramate/telegramate/internal/workspaces"
)

// Deps are the domain services pages call. An engineer adding pages adds
// their service here.
type Deps struct {
	Users  *users.Service
	Tokens *tokens.Service
	// Workspaces resolves each request's workspace and manages members.
	Workspaces *workspaces.Service
	Sessions   *scs.SessionManager
	// AccountService connects and manages Telegram accounts.
	AccountService *accounts.Service
	// Extract runs member extractions and serves member lists.
	Extract *extract.Service
	// Campaigns sends campaigns and keeps suppression lists.
	Campaigns *campaign.Service
	// Media stores the files campaign messages attach; nil leaves the
	// editor's attachment fields out.
	Media *media.Service
	// Inbox holds every private conversation of the user's accounts and
	// sends the answers; nil leaves the inbox pages, the navigation's
	// badge and the dashboard's unread conversations out.
	Inbox *inbox.Service
	// Webhooks keeps the user's webhooks; nil leaves their page out.
	Webhooks *webhook.Service
	// Audit reads the workspace's audit log.
	Audit *audit.Log
	// JobsUI is River's UI, served to instance admins at /admin/jobs.
	JobsUI http.Handler
	Logger *slog.Logger
	// BaseURL starts the links pages hand out (invitations); empty takes
	// the request's own address.
	BaseURL string
}

type Handler struct {
	Deps
	tmpl *templates
	// streams counts each user's open live-progress streams (SSE).
	streams streamCounter
	// registered lists the routes added by Register (see Routes).
	registered []Route
}

func New(d Deps) (*Handler, error) {
	if d.Users == nil || d.Tokens == nil || d.Workspaces == nil || d.Sessions == nil || d.AccountService == nil || d.Extract == nil || d.Campaigns == nil || d.Audit == nil {
		return nil, errors.New("ui: Users, Tokens, Workspaces, Sessions, AccountService, Extract, Campaigns and Audit are required")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	t, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	return &Handler{Deps: d, tmpl: t}, nil
}

// Register adds the UI's routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	h.routes(mux)
}
