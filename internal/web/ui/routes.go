package ui

import (
	"net/http"

	"github.com/telegramate/telegramate/internal/actor"
)

// routes lists every page. public pages see the session (to know who is
// logged in) but do not require it; private ones redirect to /login.
func (h *Handler) routes(mux *http.ServeMux) {
	mux.Handle("GET /static/", staticHandler())
	mux.Handle("GET /favicon.ico", http.RedirectHandler("/static/favicon.svg", http.StatusMovedPermanently))

	h.public(mux, "GET /login", h.showLogin)
	h.public(mux, "POST /login", h.submitLogin)
	h.public(mux, "GET /signup", h.showSignup)
	h.public(mux, "POST /signup", h.submitSignup)
	h.public(mux, "POST /logout", h.logout)
	h.public(mux, "GET /invite/{token}", h.showInvitation)
	h.public(mux, "POST /invite/{token}/signup", h.invitationSignup)
	h.public(mux, "POST /invite/{token}/login", h.invitationLogin)

	h.private(mux, "GET /{$}", h.dashboard)
	h.private(mux, "GET /accounts", h.accountList)
	h.private(mux, "GET /accounts/connect", h.showConnect, needs(actor.Admin))
	h.private(mux, "POST /accounts/connect", h.submitConnect, needs(actor.Admin))
	h.private(mux, "GET /accounts/{id}", h.showAccount)
	h.private(mux, "GET /accounts/{id}/code", h.showCode, needs(actor.Admin))
	h.private(mux, "POST /accounts/{id}/code", h.submitCode, needs(actor.Admin))
	h.private(mux, "POST /accounts/{id}/resend-code", h.resendCode, needs(actor.Admin))
	h.private(mux, "POST /accounts/{id}/cancel-login", h.cancelLogin, needs(actor.Admin))
	h.private(mux, "GET /accounts/{id}/password", h.showPassword, needs(actor.Admin))
	h.private(mux, "POST /accounts/{id}/password", h.submitPassword, needs(actor.Admin))
	h.private(mux, "GET /accounts/{id}/rotate", h.showRotate, needs(actor.Admin))
	h.private(mux, "POST /accounts/{id}/rotate", h.submitRotate, needs(actor.Admin))
	h.private(mux, "POST /accounts/{id}/relogin", h.relogin, needs(actor.Admin))
	h.private(mux, "POST /accounts/{id}/reset-limit", h.resetLimit, needs(actor.Admin))
	h.private(mux, "GET /accounts/{id}/sessions", h.showSessions, needs(actor.Admin))
	h.private(mux, "POST /accounts/{id}/sessions/{hash}/terminate", h.terminateSession, needs(actor.Admin))
	h.private(mux, "GET /accounts/{id}/disconnect", h.showDisconnect, needs(actor.Admin))
	h.private(mux, "POST /accounts/{id}/disconnect", h.submitDisconnect, needs(actor.Admin))
	h.private(mux, "GET /member-lists", h.memberLists)
	h.private(mux, "POST /member-lists/merge", h.mergeLists, needs(actor.Operator))
	h.private(mux, "GET /member-lists/{id}", h.showList)
	h.private(mux, "GET /member-lists/{id}/export", h.exportList)
	h.private(mux, "POST /member-lists/{id}/delete", h.deleteList, needs(actor.Operator))
	h.private(mux, "GET /extractions/new", h.showNewExtraction, needs(actor.Operator))
	h.private(mux, "POST /extractions", h.startExtraction, needs(actor.Operator))
	h.private(mux, "POST /extractions/chats/refresh", h.refreshChats, needs(actor.Operator))
	h.private(mux, "GET /extractions/{id}", h.showExtraction)
	h.private(mux, "GET /extractions/{id}/events", h.extractionEvents, stream())
	h.private(mux, "POST /extractions/{id}/cancel", h.cancelExtraction, needs(actor.Operator))
	h.private(mux, "GET /campaigns", h.campaigns)
	h.private(mux, "GET /campaigns/new", h.newCampaign, needs(actor.Operator))
	h.private(mux, "GET /campaigns/new/lists", h.campaignListPicker, needs(actor.Operator))
	h.private(mux, "POST /campaigns", h.createCampaign, withUpload(h.campaignFormLimit()), needs(actor.Operator))
	h.private(mux, "POST /campaigns/preview", h.previewCampaign, needs(actor.Operator))
	h.private(mux, "POST /campaigns/test-send", h.testSendCampaign, needs(actor.Operator))
	h.private(mux, "GET /campaigns/{id}", h.showCampaign)
	h.private(mux, "GET /campaigns/{id}/events", h.campaignEvents, stream())
	h.private(mux, "GET /campaigns/{id}/deliveries.csv", h.campaignDeliveriesCSV)
	h.private(mux, "GET /campaigns/{id}/deliveries.json", h.campaignDeliveriesJSON)
	h.private(mux, "POST /campaigns/{id}/start", h.startCampaign, needs(actor.Operator))
	h.private(mux, "POST /campaigns/{id}/pause", h.pauseCampaign, needs(actor.Operator))
	h.private(mux, "POST /campaigns/{id}/resume", h.resumeCampaign, needs(actor.Operator))
	h.private(mux, "POST /campaigns/{id}/cancel", h.cancelCampaign, needs(actor.Operator))
	if h.Media != nil {
		h.private(mux, "GET /media/{id}", h.mediaFile)
	}
	if h.Inbox != nil {
		h.private(mux, "GET /inbox", h.inboxPage)
		h.private(mux, "GET /inbox/events", h.inboxEvents, stream())
		h.private(mux, "GET /inbox/campaigns", h.inboxCampaignPicker)
		h.private(mux, "GET /inbox/{id}", h.showConversation)
		h.private(mux, "GET /inbox/{id}/events", h.conversationEvents, stream())
		h.private(mux, "GET /inbox/{id}/messages/{message_id}/media", h.conversationMedia)
		h.private(mux, "POST /inbox/{id}/messages", h.answerConversation, needs(actor.Operator), withUpload(h.answerBodyLimit()))
		h.private(mux, "POST /inbox/{id}/preview", h.previewAnswer, needs(actor.Operator))
		h.private(mux, "POST /inbox/{id}/done", h.conversationDone, needs(actor.Operator))
		h.private(mux, "POST /inbox/{id}/reopen", h.reopenConversation, needs(actor.Operator))
		h.private(mux, "POST /inbox/{id}/assign", h.assignConversation, needs(actor.Operator))
		h.private(mux, "POST /inbox/{id}/notes", h.addConversationNote, needs(actor.Operator))
		h.private(mux, "POST /inbox/{id}/typing", h.typingInConversation, needs(actor.Operator))
	}
	h.private(mux, "GET /suppressions", h.suppressions)
	h.private(mux, "POST /suppressions", h.addSuppression, needs(actor.Operator))
	h.private(mux, "POST /suppressions/remove", h.removeSuppression, needs(actor.Operator))
	h.private(mux, "POST /suppressions/import", h.importSuppressions, withUpload(suppressionUploadLimit), needs(actor.Operator))
	h.private(mux, "GET /suppressions/export.csv", h.exportSuppressions)
	h.private(mux, "GET /help", h.helpIndex)
	h.private(mux, "GET /help/{topic}", h.helpTopic)
	h.private(mux, "GET /settings", h.showSettings)
	h.private(mux, "POST /settings/password", h.changePassword)
	h.private(mux, "POST /settings/sessions/{id}/end", h.endSession)
	h.private(mux, "POST /settings/sessions/end-all", h.endAllSessions)
	h.private(mux, "POST /workspace", h.switchWorkspace)
	h.private(mux, "POST /workspace/delete", h.deleteWorkspace, needs(actor.Owner))
	h.private(mux, "POST /workspaces", h.createWorkspace)
	h.private(mux, "GET /members", h.showMembers)
	h.private(mux, "POST /members/{user_id}/role", h.changeMemberRole, needs(actor.Admin))
	h.private(mux, "POST /members/{user_id}/remove", h.removeMember)
	h.private(mux, "POST /members/{user_id}/transfer", h.transferOwnership, needs(actor.Owner))
	h.private(mux, "POST /members/invitations", h.inviteMember, needs(actor.Admin))
	h.private(mux, "POST /members/invitations/{id}/revoke", h.revokeInvitation, needs(actor.Admin))
	h.private(mux, "POST /invite/{token}/accept", h.acceptInvitation)
	h.private(mux, "GET /audit", h.showAudit)
	h.private(mux, "GET /audit/export.csv", h.exportAudit)
	h.private(mux, "GET /tokens", h.listTokens)
	h.private(mux, "POST /tokens", h.createToken, needs(actor.Admin))
	h.private(mux, "POST /tokens/{id}/revoke", h.revokeToken, needs(actor.Admin))
	if h.Webhooks != nil {
		h.private(mux, "GET /webhooks", h.showWebhooks)
		h.private(mux, "GET /webhooks/events", h.webhookEvents, stream())
		h.private(mux, "POST /webhooks", h.createWebhook, needs(actor.Admin))
		h.private(mux, "POST /webhooks/{id}/test", h.testWebhook, needs(actor.Admin))
		h.private(mux, "POST /webhooks/{id}/delete", h.deleteWebhook, needs(actor.Admin))
		h.private(mux, "POST /webhooks/{id}/enable", h.enableWebhook, needs(actor.Admin))
	}

	h.admin(mux, "/admin/jobs", h.jobs)
	h.admin(mux, "/admin/jobs/", h.jobs)

	h.public(mux, "/", h.notFound)
}

// Access says who may open a route.
type Access string

const (
	AccessPublic  Access = "public"  // anyone, logged in or not
	AccessPrivate Access = "private" // a logged-in user; others go to /login
	AccessAdmin   Access = "admin"   // an instance administrator
)

// Route is one registered page pattern, listed by Routes so a test can
// walk every route (the authorization test) without a list of its own.
type Route struct {
	Pattern string
	Access  Access
}

// Routes lists every pattern Register adds, in order.
func (h *Handler) Routes() []Route { return h.registered }

func (h *Handler) public(mux *http.ServeMux, pattern string, fn http.HandlerFunc, opts ...routeOption) {
	h.registered = append(h.registered, Route{pattern, AccessPublic})
	mux.Handle(pattern, h.Sessions.LoadAndSave(h.loadUser(h.limits(opts, fn))))
}

func (h *Handler) private(mux *http.ServeMux, pattern string, fn http.HandlerFunc, opts ...routeOption) {
	h.registered = append(h.registered, Route{pattern, AccessPrivate})
	var o routeOpts
	for _, opt := range opts {
		opt(&o)
	}
	var next http.Handler = fn
	if o.role != "" {
		next = h.requireRole(o.role, fn)
	}
	mux.Handle(pattern, h.Sessions.LoadAndSave(h.loadUser(h.limits(opts, h.requireUser(next)))))
}

func (h *Handler) admin(mux *http.ServeMux, pattern string, fn http.HandlerFunc, opts ...routeOption) {
	h.registered = append(h.registered, Route{pattern, AccessAdmin})
	mux.Handle(pattern, h.Sessions.LoadAndSave(h.loadUser(h.limits(opts, h.requireUser(h.requireAdmin(fn))))))
}

// limits wraps a route in its body limits (DefaultBodyLimit, no multipart,
// unless an option such as withUpload says otherwise).
func (h *Handler) limits(opts []routeOption, next http.Handler) http.Handler {
	o := routeOpts{bodyLimit: DefaultBodyLimit}
	for _, opt := range opts {
		opt(&o)
	}
	if o.stream {
		next = h.streamLimit(next)
	}
	return h.bodyLimits(o, next)
}
