// Package api is Telegramate's JSON API (v1) for automation and tests,
// built with huma on the shared ServeMux. Each endpoint group is one file
// with a register method listed in routes.go; handlers read the user with
// auth.UserFrom(ctx) and return domain errors as they are (errors.go gives
// every error the {"error":{"code","message","hint"}} shape).
package api

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/telegramate/telegramate/internal/accounts"
	roles "github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/campaign"
	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/inbox"
	"github.com/telegramate/telegramate/internal/media"
	"github.com/telegramate/telegramate/internal/medialink"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/tokens"
	"github.com/telegramate/telegramate/internal/web/auth"
	"github.com/telegramate/telegramate/internal/webhook"
	"github.com/telegramate/telegramate/internal/workspaces"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

// Deps are the domain services endpoints call. An engineer adding an
// endpoint group adds its service here.
type Deps struct {
	Tokens *tokens.Service
	// Workspaces resolves the Telegramate-Workspace header and serves
	// /workspaces.
	Workspaces *workspaces.Service
	// Accounts serves /accounts; nil leaves those endpoints out.
	Accounts *accounts.Service
	// Extract serves chats, extractions and member lists; nil leaves them out.
	Extract *extract.Service
	// Campaigns serves campaigns and suppressions; nil leaves them out.
	Campaigns *campaign.Service
	// Media serves /media; nil leaves it out.
	Media *media.Service
	// Inbox serves /conversations; nil leaves those endpoints out.
	Inbox *inbox.Service
	// Webhooks serves /webhooks; nil leaves those endpoints out.
	Webhooks *webhook.Service
	// Audit serves /audit; nil leaves it out.
	Audit   *audit.Log
	Logger  *slog.Logger
	Version string
	// BaseURL starts the links the API hands out (invitations); empty
	// takes the request's own address.
	BaseURL string
	// MediaLinks, with Inbox, serves the links webhooks carry to a
	// message's media (medialink.Path); nil leaves them out.
	MediaLinks *secrets.Keyring
}

type API struct {
	huma huma.API
	deps Deps
}

var errMissingToken = &apperr.Error{
	Code:    apperr.CodeUnauthorized,
	Message: "Missing API token",
	Hint:    "Send 'Authorization: Bearer <token>'. Create a token on the API tokens page or with `telegramate token create`.",
	Status:  http.StatusUnauthorized,
}

// New registers the API's routes on mux.
func New(mux *http.ServeMux, deps Deps) *API {
	cfg := huma.DefaultConfig("Telegramate API", deps.Version)
	// No "$schema" links in bodies, no schema routes, and no CDN-loaded
	// docs page: docs.go serves an embedded one.
	cfg.CreateHooks = nil
	cfg.SchemasPath = ""
	cfg.DocsPath = ""
	cfg.OpenAPIPath = "/openapi"
	cfg.Info.Description = "Automate Telegramate: connect Telegram accounts, extract members, run campaigns. " +
		"Authenticate with `Authorization: Bearer <token>`; errors are `{\"error\":{\"code\",\"message\",\"hint\"}}`."
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "An API token (tgm_…) from the API tokens page or `telegramate token create`."},
	}
	// Every operation needs a token unless it says otherwise with an empty,
	// non-nil Security.
	cfg.Security = []map[string][]string{{"bearer": {}}}

	a := &API{huma: humago.NewWithPrefix(mux, Prefix, cfg), deps: deps}
	a.huma.UseMiddleware(a.authenticate)
	a.routes()
	a.documentErrors()

	mux.HandleFunc("GET "+Prefix+"/docs", serveDocs)
	if deps.Inbox != nil && deps.MediaLinks != nil {
		mux.HandleFunc("GET "+medialink.Path+"{token}", a.serveMediaLink)
	}
	// Anything else under /api/ answers in the API's error shape too. This
	// catch-all matches every method, which keeps the mux from answering
	// 405 itself, so it asks the mux which methods the path has.
	mux.HandleFunc(catchAll, func(w http.ResponseWriter, r *http.Request) {
		if allow := allowedMethods(mux, r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			WriteError(w, r, &apperr.Error{
				Code:    "method_not_allowed",
				Message: "Method " + r.Method + " is not allowed here",
				Hint:    "This endpoint accepts " + strings.Join(allow, ", ") + ". See " + Prefix + "/docs for the endpoints and methods.",
				Status:  http.StatusMethodNotAllowed,
			})
			return
		}
		e := apperr.NotFound("Endpoint")
		e.Hint = "See " + Prefix + "/docs for the endpoints and methods."
		WriteError(w, r, e)
	})
	return a
}

// catchAll is the pattern of the API's "no such endpoint" handler.
const catchAll = "/api/"

// allowedMethods lists the methods that have a route for r's path.
func allowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != catchAll {
			allow = append(allow, m)
		}
	}
	return allow
}

// Huma exposes the huma.API, e.g. for tests that check the OpenAPI document.
func (a *API) Huma() huma.API { return a.huma }

func (a *API) authenticate(ctx huma.Context, next func(huma.Context)) {
	if op := ctx.Operation(); op != nil && op.Security != nil && len(op.Security) == 0 {
		next(ctx)
		return
	}
	scheme, token, ok := strings.Cut(ctx.Header("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		a.deny(ctx, errMissingToken)
		return
	}
	u, tok, err := a.deps.Tokens.Authenticate(ctx.Context(), strings.TrimSpace(token))
	if err != nil {
		a.deny(ctx, err)
		return
	}
	c := auth.WithUser(ctx.Context(), u)
	// The token acts in its workspace with its member's role as it is now;
	// the header picks another workspace of the same person.
	ws := &auth.Workspace{ID: tok.WorkspaceID, Role: roles.Role(tok.Role)}
	if h := strings.TrimSpace(ctx.Header(WorkspaceHeader)); h != "" {
		id, err := strconv.ParseInt(h, 10, 64)
		if err != nil || id <= 0 {
			a.deny(ctx, errBadWorkspaceHeader)
			return
		}
		m, err := a.deps.Workspaces.Membership(c, id, u.ID)
		if err != nil {
			a.deny(ctx, err)
			return
		}
		ws = &auth.Workspace{ID: m.ID, Name: m.Name, Role: roles.Role(m.Role)}
	}
	next(huma.WithContext(ctx, auth.WithWorkspace(c, ws, tok.ReadOnly, auth.ClientIP(c, ""))))
}

// WorkspaceHeader picks the workspace an API request acts in, for a person
// in several; without it a request acts in its token's.
const WorkspaceHeader = "Telegramate-Workspace"

var errBadWorkspaceHeader = &apperr.Error{
	Code:    apperr.CodeValidation,
	Message: "The Telegramate-Workspace header is not a workspace id",
	Hint:    "Send the id of one of your workspaces (GET /api/v1/workspaces lists them), or leave the header out to act in the token's workspace.",
	Status:  http.StatusBadRequest,
}

func (a *API) deny(ctx huma.Context, err error) {
	resp := FromError(err)
	if resp.GetStatus() == http.StatusUnauthorized {
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="telegramate"`)
	}
	if resp.GetStatus() >= 500 {
		auth.NoteError(ctx.Context(), err)
	}
	_ = huma.WriteErr(a.huma, ctx, resp.GetStatus(), resp.Err.Message, resp)
}
