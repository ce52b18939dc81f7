package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/telegramate/telegramate/internal/accounts"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/web/auth"
)

// The login steps of the help article, one request each; the account's id
// stays the same from "send code" to "active".

type accountIn struct {
	ID int64 `path:"id" doc:"The account's id"`
}

type connectIn struct {
	Body struct {
		APIID   flexID `json:"api_id,omitempty"`
		APIHash string `json:"api_hash,omitempty" doc:"32 hexadecimal characters; surrounding spaces are removed" example:"0123456789abcdef0123456789abcdef"`
		Phone   string `json:"phone,omitempty" doc:"International format, 7–15 digits, optional + or 00, spaces and dashes ignored" example:"+44 7700 900123"`
	}
}

type codeIn struct {
	ID   int64 `path:"id" doc:"The account's id"`
	Body struct {
		Code string `json:"code,omitempty" doc:"The login code Telegram sent" example:"12345"`
	}
}

type passwordIn struct {
	ID   int64 `path:"id" doc:"The account's id"`
	Body struct {
		Password string `json:"password,omitempty" doc:"The account's two-step verification password; never stored"`
	}
}

type rotateIn struct {
	ID   int64 `path:"id" doc:"The account's id"`
	Body struct {
		APIID   flexID `json:"api_id,omitempty"`
		APIHash string `json:"api_hash,omitempty" doc:"32 hexadecimal characters"`
	}
}

type sessionIn struct {
	ID   int64  `path:"id" doc:"The account's id"`
	Hash string `path:"hash" doc:"The session's hash from GET …/sessions"`
}

type stepOut struct {
	Body LoginStep
}

type accountOut struct {
	Body Account
}

type accountsOut struct {
	Body struct {
		Accounts []Account `json:"accounts"`
	}
}

type disconnectOut struct {
	Body struct {
		ID        int64  `json:"id"`
		Status    string `json:"status" example:"disconnected"`
		LoggedOut bool   `json:"logged_out" doc:"false when Telegram could not be reached to end the session; the stored secrets are deleted all the same"`
	}
}

type activityOut struct {
	Body struct {
		Activity []Activity `json:"activity"`
	}
}

type sessionsOut struct {
	Body struct {
		Sessions []Session `json:"sessions"`
	}
}

// registerAccounts lists the account endpoints; each is a method below.
func (a *API) registerAccounts() {
	if a.deps.Accounts == nil {
		return
	}
	op := operation("Telegram accounts")
	huma.Register(a.huma, op("connect-account", http.MethodPost, "/accounts",
		"Connect a Telegram account: check the credentials and phone, have Telegram send a login code", http.StatusCreated), a.connectAccount)
	huma.Register(a.huma, op("submit-account-code", http.MethodPost, "/accounts/{id}/code",
		"Enter the login code: active, or password_needed with the 2FA password hint", 0), a.submitAccountCode)
	huma.Register(a.huma, op("submit-account-password", http.MethodPost, "/accounts/{id}/password",
		"Enter the two-step verification password", 0), a.submitAccountPassword)
	huma.Register(a.huma, op("resend-account-code", http.MethodPost, "/accounts/{id}/resend-code",
		"Have Telegram send the login code again, the next way it offers (auth.resendCode); before the login's resend_after it answers 429 resend_too_early", 0), a.resendAccountCode)
	huma.Register(a.huma, op("rotate-account", http.MethodPost, "/accounts/{id}/rotate",
		"Rotate credentials: new API ID and Hash, then the code (and password) again; the old session is logged out", 0), a.rotateAccount)
	huma.Register(a.huma, op("relogin-account", http.MethodPost, "/accounts/{id}/relogin",
		"Log in again with the stored credentials, after Telegram ended the session", 0), a.reloginAccount)
	huma.Register(a.huma, op("list-accounts", http.MethodGet, "/accounts", "Your Telegram accounts", 0), a.listAccounts)
	huma.Register(a.huma, op("get-account", http.MethodGet, "/accounts/{id}", "One Telegram account", 0), a.getAccount)
	huma.Register(a.huma, op("disconnect-account", http.MethodDelete, "/accounts/{id}",
		"Disconnect: log the session out at Telegram (auth.logOut), then delete the stored secrets; cancels a login in progress", 0), a.disconnectAccount)
	huma.Register(a.huma, op("cancel-account-login", http.MethodDelete, "/accounts/{id}/login",
		"Cancel the login in progress: a first login goes with its account; a rotation or re-login is dropped and the account keeps its current credentials", http.StatusNoContent), a.cancelAccountLogin)
	huma.Register(a.huma, op("reset-account-limit", http.MethodPost, "/accounts/{id}/reset-limit",
		"Mark a limited (PEER_FLOOD) account active again once Telegram lifted the limit", 0), a.resetAccountLimit)
	huma.Register(a.huma, op("list-account-activity", http.MethodGet, "/accounts/{id}/activity",
		"The account's activity log, newest first", 0), a.listAccountActivity)
	huma.Register(a.huma, op("list-account-sessions", http.MethodGet, "/accounts/{id}/sessions",
		"The devices logged in to the Telegram account (account.getAuthorizations)", 0), a.listAccountSessions)
	huma.Register(a.huma, op("terminate-account-session", http.MethodDelete, "/accounts/{id}/sessions/{hash}",
		"Log another device out of the Telegram account (account.resetAuthorization)", http.StatusNoContent), a.terminateAccountSession)
}

// operation makes the endpoints of one tag: they keep the client's address
// for the accounts' activity log.
func operation(tag string) func(id, method, path, summary string, status int) huma.Operation {
	return func(id, method, path, summary string, status int) huma.Operation {
		return huma.Operation{
			OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{tag},
			DefaultStatus: status, Middlewares: huma.Middlewares{withClientIP},
		}
	}
}

// POST /accounts
func (a *API) connectAccount(ctx context.Context, in *connectIn) (*stepOut, error) {
	return step(a.deps.Accounts.Start(ctx, actor(ctx), accounts.ConnectInput{
		APIID: string(in.Body.APIID), APIHash: secrets.Secret(in.Body.APIHash), Phone: in.Body.Phone,
	}))
}

// POST /accounts/{id}/code
func (a *API) submitAccountCode(ctx context.Context, in *codeIn) (*stepOut, error) {
	return step(a.deps.Accounts.SubmitCode(ctx, actor(ctx), in.ID, in.Body.Code))
}

// POST /accounts/{id}/password
func (a *API) submitAccountPassword(ctx context.Context, in *passwordIn) (*stepOut, error) {
	return step(a.deps.Accounts.SubmitPassword(ctx, actor(ctx), in.ID, secrets.Secret(in.Body.Password)))
}

// POST /accounts/{id}/resend-code
func (a *API) resendAccountCode(ctx context.Context, in *accountIn) (*stepOut, error) {
	return step(a.deps.Accounts.ResendCode(ctx, actor(ctx), in.ID))
}

// POST /accounts/{id}/rotate
func (a *API) rotateAccount(ctx context.Context, in *rotateIn) (*stepOut, error) {
	return step(a.deps.Accounts.Rotate(ctx, actor(ctx), in.ID, accounts.RotateInput{
		APIID: string(in.Body.APIID), APIHash: secrets.Secret(in.Body.APIHash),
	}))
}

// POST /accounts/{id}/relogin
func (a *API) reloginAccount(ctx context.Context, in *accountIn) (*stepOut, error) {
	return step(a.deps.Accounts.Relogin(ctx, actor(ctx), in.ID))
}

// GET /accounts
func (a *API) listAccounts(ctx context.Context, _ *struct{}) (*accountsOut, error) {
	list, err := a.deps.Accounts.List(ctx, auth.WorkspaceID(ctx))
	if err != nil {
		return nil, err
	}
	out := &accountsOut{}
	out.Body.Accounts = make([]Account, 0, len(list))
	for _, acct := range list {
		out.Body.Accounts = append(out.Body.Accounts, accountBody(acct))
	}
	return out, nil
}

// GET /accounts/{id}
func (a *API) getAccount(ctx context.Context, in *accountIn) (*accountOut, error) {
	acct, err := a.deps.Accounts.Get(ctx, auth.WorkspaceID(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return &accountOut{Body: accountBody(acct)}, nil
}

// DELETE /accounts/{id}
func (a *API) disconnectAccount(ctx context.Context, in *accountIn) (*disconnectOut, error) {
	res, err := a.deps.Accounts.Disconnect(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	out := &disconnectOut{}
	out.Body.ID, out.Body.Status, out.Body.LoggedOut = in.ID, accounts.StatusDisconnected, res.LoggedOut
	return out, nil
}

// DELETE /accounts/{id}/login
func (a *API) cancelAccountLogin(ctx context.Context, in *accountIn) (*struct{}, error) {
	return nil, a.deps.Accounts.CancelLogin(ctx, actor(ctx), in.ID)
}

// POST /accounts/{id}/reset-limit
func (a *API) resetAccountLimit(ctx context.Context, in *accountIn) (*accountOut, error) {
	if err := a.deps.Accounts.ResetLimited(ctx, auth.WorkspaceID(ctx), in.ID); err != nil {
		return nil, err
	}
	return a.getAccount(ctx, in)
}

// GET /accounts/{id}/activity
func (a *API) listAccountActivity(ctx context.Context, in *accountIn) (*activityOut, error) {
	list, err := a.deps.Accounts.Activity(ctx, auth.WorkspaceID(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	out := &activityOut{}
	out.Body.Activity = make([]Activity, 0, len(list))
	for _, x := range list {
		out.Body.Activity = append(out.Body.Activity, Activity{
			ID: x.ID, Event: x.Event, Label: x.Label(), Detail: x.Detail, By: x.By, IP: x.IP, CreatedAt: x.CreatedAt.UTC(),
		})
	}
	return out, nil
}

// GET /accounts/{id}/sessions
func (a *API) listAccountSessions(ctx context.Context, in *accountIn) (*sessionsOut, error) {
	list, err := a.deps.Accounts.Sessions(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	out := &sessionsOut{}
	out.Body.Sessions = make([]Session, 0, len(list))
	for _, s := range list {
		out.Body.Sessions = append(out.Body.Sessions, Session{
			Hash: strconv.FormatInt(s.Hash, 10), Current: s.Current, Device: s.Device, Platform: s.Platform,
			System: s.System, AppName: s.AppName, AppVersion: s.AppVersion, APIID: s.APIID, IP: s.IP,
			Country: s.Country, Region: s.Region, DateCreated: s.DateCreated, DateActive: s.DateActive,
		})
	}
	return out, nil
}

// DELETE /accounts/{id}/sessions/{hash}
func (a *API) terminateAccountSession(ctx context.Context, in *sessionIn) (*struct{}, error) {
	hash, err := strconv.ParseInt(in.Hash, 10, 64)
	if err != nil {
		return nil, apperr.NotFound("Session")
	}
	return nil, a.deps.Accounts.TerminateSession(ctx, actor(ctx), in.ID, hash)
}

func step(acct accounts.Account, err error) (*stepOut, error) {
	if err != nil {
		return nil, err
	}
	return &stepOut{Body: loginStep(acct)}, nil
}

func actor(ctx context.Context) accounts.Actor {
	return accounts.Actor{UserID: auth.WorkspaceID(ctx), IP: accounts.IPFrom(ctx)}
}

// withClientIP keeps the client's address for the accounts' activity log.
func withClientIP(ctx huma.Context, next func(huma.Context)) {
	ip := auth.ClientIP(ctx.Context(), ctx.RemoteAddr())
	next(huma.WithContext(ctx, accounts.WithIP(ctx.Context(), ip)))
}
