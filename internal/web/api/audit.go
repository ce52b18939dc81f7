package api

import (
	"context"
	"net/http"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/web/auth"
)

// AuditEvent is one line of the workspace's audit log.
type AuditEvent struct {
	ID          int64     `json:"id"`
	WorkspaceID int64     `json:"workspace_id"`
	ActorUserID *int64    `json:"actor_user_id" doc:"The person who acted; null for Telegramate's own background work"`
	ActorEmail  string    `json:"actor_email" doc:"Their email when it happened"`
	Action      string    `json:"action" doc:"snake_case: signed_in, account_connected, campaign_started, …"`
	TargetKind  string    `json:"target_kind" doc:"What it acted on: account, campaign, extraction, member_list, conversation, webhook, api_token, user; empty for none"`
	TargetID    int64     `json:"target_id"`
	TargetLabel string    `json:"target_label" doc:"Its name when it happened"`
	Detail      string    `json:"detail"`
	IP          string    `json:"ip" doc:"The client's address; empty for background work"`
	CreatedAt   time.Time `json:"created_at"`
}

func auditEventBody(e store.AuditEvent) AuditEvent {
	out := AuditEvent{ID: e.ID, WorkspaceID: e.WorkspaceID, ActorEmail: e.ActorEmail, Action: e.Action, TargetKind: e.TargetKind,
		TargetID: e.TargetID, TargetLabel: e.TargetLabel, Detail: e.Detail, IP: e.IP, CreatedAt: e.CreatedAt.UTC()}
	if e.ActorUserID != 0 {
		id := e.ActorUserID
		out.ActorUserID = &id
	}
	return out
}

// AuditPage is a page of the audit log.
type AuditPage struct {
	Events     []AuditEvent `json:"events"`
	NextCursor string       `json:"next_cursor" doc:"Pass as cursor (with the same filters) for older events; empty on the last page"`
}

type auditIn struct {
	Format string `query:"format" enum:"json,csv" default:"json" doc:"csv: every matching event as a file, UTF-8 with BOM (streamed; cursor and limit do not apply)"`
	Cursor string `query:"cursor" doc:"next_cursor of the previous page; absent for the newest events"`
	Limit  int    `query:"limit" minimum:"0" maximum:"200" doc:"Page size (default 50)"`
	Action string `query:"action" doc:"Only this action (snake_case)"`
	Actor  int64  `query:"actor_user_id" minimum:"0" doc:"Only what this person did"`
}

// registerAudit lists the audit log's endpoint.
func (a *API) registerAudit() {
	if a.deps.Audit == nil {
		return
	}
	op := operation("Audit log")
	o := op("list-audit-events", http.MethodGet, "/audit",
		"The workspace's audit log, newest first, a page at a time (cursor, limit; next_cursor), or as CSV", 0)
	o.Description = "Who did what, when and from which address: sign-ins, accounts connected, disconnected and logged in again, " +
		"Telegram sessions terminated, extractions started and exported, campaigns created, started, paused, resumed and cancelled, " +
		"inbox answers, webhooks and API tokens created and deleted. The log is append-only. " +
		"A bad cursor, limit or action is refused (422) and changes nothing."
	huma.Register(a.huma, a.streamed(o, reflect.TypeFor[AuditPage](), mediaCSV), a.listAudit)
}

// GET /audit
func (a *API) listAudit(ctx context.Context, in *auditIn) (*huma.StreamResponse, error) {
	ws := auth.WorkspaceID(ctx)
	f := audit.Filter{Action: in.Action, ActorUserID: in.Actor}
	var (
		list []store.AuditEvent
		next string
	)
	if in.Format == "csv" {
		// Refused before the file starts: once written, the status
		// cannot say so.
		if err := a.deps.Audit.Check(f); err != nil {
			return nil, err
		}
	} else {
		var err error
		if list, next, err = a.deps.Audit.Page(ctx, ws, f, in.Cursor, in.Limit); err != nil {
			return nil, err
		}
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		hctx.SetHeader("Cache-Control", "no-store")
		if in.Format == "csv" {
			hctx.SetHeader("Content-Type", "text/csv; charset=utf-8")
			hctx.SetHeader("Content-Disposition", `attachment; filename="audit-log.csv"`)
			hctx.SetStatus(http.StatusOK)
			if err := a.deps.Audit.WriteCSV(hctx.Context(), ws, f, hctx.BodyWriter()); err != nil {
				auth.NoteError(hctx.Context(), err)
			}
			return
		}
		body := AuditPage{Events: make([]AuditEvent, 0, len(list)), NextCursor: next}
		for _, e := range list {
			body.Events = append(body.Events, auditEventBody(e))
		}
		writeJSONBody(hctx, body)
	}}, nil
}
