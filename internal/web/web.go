// Package web is Telegramate's HTTP face: the server-rendered UI (ui), the
// JSON API (api), /healthz and /metrics, behind shared middleware (request
// log, metrics, cross-origin protection, security headers).
package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/media"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/tokens"
	"github.com/telegramate/telegramate/internal/users"
	"github.com/telegramate/telegramate/internal/web/api"
	"github.com/telegramate/telegramate/internal/web/ui"
	"github.com/telegramate/telegramate/internal/webhook"
	"github.com/telegramate/telegramate/internal/workspaces"
)

// Deps is everything the web layer needs. Store, Users, Tokens,
// AccountService and Extract are required.
type Deps struct {
	Store  store.Store
	Users  *users.Service
	Tokens *tokens.Service
	// AccountService connects and manages Telegram accounts (pages and
	// /api/v1/accounts).
	AccountService *accounts.Service
	// Extract runs member extractions and serves member lists (pages and
	// /api/v1/extractions).
	Extract *extract.Service
	// Campaigns sends campaigns and keeps suppression lists (pages and
	// /api/v1/campaigns, /api/v1/suppressions).
	Campaigns *campaign.Service
	// Media stores campaign attachments (/api/v1/media); nil leaves it
	// out.
	Media *media.Service
	// Inbox holds the accounts' conversations and sends answers (pages);
	// nil leaves the inbox pages out.
	Inbox *inbox.Service
	// Webhooks keeps the user's webhooks (page and /api/v1/webhooks); nil
	// leaves them out.
	Webhooks *webhook.Service
	// JobsUI is River's UI handler, mounted at /admin/jobs for admins; nil
	// leaves that page out.
	JobsUI http.Handler
	// Routes, when set, adds routes of the caller's (the demo's login-codes
	// page) behind the same middleware.
	Routes func(mux *http.ServeMux)
	// Collectors are registered on /metrics next to the HTTP metrics (job
	// counts, deliveries, …).
	Collectors []prometheus.Collector
	Logger     *slog.Logger
	// BaseURL is the address people use to reach the instance; an https
	// one makes session cookies Secure and is trusted for cross-origin
	// checks behind a reverse proxy that rewrites Host.
	BaseURL string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client; empty trusts nobody.
	TrustedProxies []netip.Prefix
	Version        string
	// MetricsToken, when set, serves /metrics on this handler to requests
	// with "Authorization: Bearer <MetricsToken>"; without it /metrics is
	// not served here (the job counts and routes are nobody's business).
	MetricsToken secrets.Secret
	// ServeMetrics, when set, is given the /metrics handler to serve on a
	// listener of its own (--metrics-listen), without a token.
	ServeMetrics func(http.Handler)
	// Mailer, when set, emails invitations' links (--smtp-url).
	Mailer workspaces.Mailer
	// Health names the node and says when it is shutting down, for
	// /healthz.
	Health Health
	// MediaLinks opens the links webhooks carry to a message's media
	// (the instance's keys, which sealed them); nil serves none.
	MediaLinks *secrets.Keyring
}

// New builds the whole HTTP handler.
func New(d Deps) (http.Handler, error) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	base, err := parseBaseURL(d.BaseURL)
	if err != nil {
		return nil, err
	}
	if d.Store == nil || d.Users == nil || d.Tokens == nil || d.AccountService == nil || d.Extract == nil || d.Campaigns == nil {
		return nil, errors.New("web: Store, Users, Tokens, AccountService, Extract and Campaigns are required")
	}
	mux := http.NewServeMux()

	metrics, err := newMetrics(d.Collectors)
	if err != nil {
		return nil, err
	}
	if d.MetricsToken != "" {
		mux.Handle("GET /metrics", requireMetricsToken(d.MetricsToken, metrics.handler()))
	}
	if d.ServeMetrics != nil {
		d.ServeMetrics(metrics.handler())
	}
	mux.Handle("GET /healthz", healthz(d.Store, d.Health))

	wss := workspaces.New(d.Store)
	if d.Mailer != nil {
		wss.SetMailer(d.Mailer)
	}
	auditLog := audit.New(d.Store)
	api.New(mux, api.Deps{Tokens: d.Tokens, Workspaces: wss, Accounts: d.AccountService, Extract: d.Extract, Campaigns: d.Campaigns, Media: d.Media, Inbox: d.Inbox, Webhooks: d.Webhooks, Audit: auditLog, Logger: d.Logger, Version: d.Version, BaseURL: d.BaseURL,
		MediaLinks: d.MediaLinks})

	pages, err := ui.New(ui.Deps{
		Users:          d.Users,
		Workspaces:     wss,
		Tokens:         d.Tokens,
		Sessions:       ui.NewSessions(d.Store, base != nil && base.Scheme == "https"),
		AccountService: d.AccountService,
		Extract:        d.Extract,
		Campaigns:      d.Campaigns,
		Media:          d.Media,
		Inbox:          d.Inbox,
		Webhooks:       d.Webhooks,
		Audit:          auditLog,
		JobsUI:         d.JobsUI,
		Logger:         d.Logger,
		BaseURL:        d.BaseURL,
	})
	if err != nil {
		return nil, err
	}
	pages.Register(mux)
	if d.Routes != nil {
		d.Routes(mux)
	}

	cop := http.NewCrossOriginProtection()
	if base != nil {
		if err := cop.AddTrustedOrigin(base.Scheme + "://" + base.Host); err != nil {
			return nil, fmt.Errorf("base URL: %w", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(crossOriginDenied))

	var h http.Handler = capturePattern(mux)
	h = refuseNULInAPI(h)
	h = cop.Handler(h)
	https := base != nil && base.Scheme == "https"
	h = securityHeaders(https, h)
	if !https {
		h = warnTLSWithoutBaseURL(d.Logger, h)
	}
	h = requestLog(d.Logger, metrics, d.TrustedProxies, h)
	h = recoverPanics(d.Logger, h)
	return h, nil
}

func parseBaseURL(s string) (*url.URL, error) {
	if s == "" {
		return nil, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("base URL %q: want http(s)://host[:port]", s)
	}
	return u, nil
}
