package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/web/auth"
	"github.com/telegramate/telegramate/internal/webhook"
)

// Webhook is an endpoint events are sent to.
type Webhook struct {
	ID        int64     `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	CreatedAt time.Time `json:"created_at"`
	State     string    `json:"state" enum:"active,failing,disabled" doc:"failing: its last attempts failed and its events wait for its next try (retry_at); disabled: it failed for a day without a success, nothing is sent to it until it is enabled again (POST /webhooks/{id}/enable)"`
	Failures  int       `json:"failures" doc:"Failed attempts in a row since the last success"`
	// The times are omitted while they do not apply.
	FailingSince *time.Time `json:"failing_since,omitempty" doc:"The first failure after the last success"`
	LastFailure  string     `json:"last_failure,omitempty" doc:"Why the last attempt failed: the status and a generic reason"`
	RetryAt      *time.Time `json:"retry_at,omitempty" doc:"When a failing webhook is tried next"`
	DisabledAt   *time.Time `json:"disabled_at,omitempty" doc:"When it was disabled for failing"`
}

func webhookBody(e webhook.Endpoint) Webhook {
	out := Webhook{ID: e.ID, URL: e.URL, Events: e.Events, CreatedAt: e.CreatedAt.UTC(), State: "active",
		Failures: e.Failures, LastFailure: e.LastFailure,
		FailingSince: timeOrNil(e.FailingSince), RetryAt: timeOrNil(e.RetryAt), DisabledAt: timeOrNil(e.DisabledAt)}
	switch {
	case !e.DisabledAt.IsZero():
		out.State, out.RetryAt = "disabled", nil
	case e.Failures > 0:
		out.State = "failing"
	}
	return out
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// WebhookDelivery is one event on its way to an endpoint.
type WebhookDelivery struct {
	ID            int64      `json:"id"`
	EventID       string     `json:"event_id"`
	Type          string     `json:"type"`
	State         string     `json:"state" enum:"pending,delivered,failed"`
	Attempts      int        `json:"attempts"`
	LastStatus    int        `json:"last_status" doc:"The HTTP status of the last answer; 0 when none came"`
	LastError     string     `json:"last_error" doc:"Why the last attempt failed: the status and a generic reason (never the answer's body)"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty" doc:"When a pending delivery is tried again"`
	CreatedAt     time.Time  `json:"created_at"`
	FinishedAt    *time.Time `json:"finished_at,omitempty"`
}

func webhookDeliveryBody(d store.WebhookDelivery) WebhookDelivery {
	out := WebhookDelivery{ID: d.ID, EventID: d.EventID, Type: d.EventType, State: d.State, Attempts: d.Attempts,
		LastStatus: d.LastStatus, LastError: d.LastError, CreatedAt: d.CreatedAt.UTC()}
	if d.State == store.WebhookPending {
		t := d.NextAttemptAt.UTC()
		out.NextAttemptAt = &t
	}
	if !d.FinishedAt.IsZero() {
		t := d.FinishedAt.UTC()
		out.FinishedAt = &t
	}
	return out
}

type webhookIDIn struct {
	ID int64 `path:"id" doc:"The webhook's id"`
}

type createWebhookIn struct {
	Body struct {
		URL    string   `json:"url" doc:"An https URL to a public address (internal addresses, and http to a loopback one, only when the instance runs with --webhook-allow-private)"`
		Events []string `json:"events" doc:"Event types to send: message.received, delivery.sent, delivery.failed, campaign.completed, account.limited, account.needs_login, webhook.disabled (another of your webhooks was disabled after failing for a day)"`
	}
}

type createWebhookOut struct {
	Body struct {
		Webhook
		Secret string `json:"secret" doc:"Signs every request (Telegramate-Signature); shown only now"`
	}
}

type listWebhooksOut struct {
	Body struct {
		Webhooks []Webhook `json:"webhooks"`
	}
}

type webhookDeliveriesIn struct {
	ID    int64 `path:"id" doc:"The webhook's id"`
	Limit int   `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"How many of the latest deliveries"`
}

type webhookDeliveriesOut struct {
	Body struct {
		Deliveries []WebhookDelivery `json:"deliveries"`
	}
}

type webhookDeliveryOut struct{ Body WebhookDelivery }

// registerWebhooks lists the webhook endpoints.
func (a *API) registerWebhooks() {
	if a.deps.Webhooks == nil {
		return
	}
	op := operation("Webhooks")
	huma.Register(a.huma, op("list-webhooks", http.MethodGet, "/webhooks", "Your webhooks, newest first", 0), a.listWebhooks)
	huma.Register(a.huma, op("create-webhook", http.MethodPost, "/webhooks",
		"Add a webhook: events of the chosen types are POSTed to the URL as {id, type, created_at, data}, signed with the secret returned once", http.StatusCreated), a.createWebhook)
	huma.Register(a.huma, op("delete-webhook", http.MethodDelete, "/webhooks/{id}", "Delete a webhook: nothing more is sent to it", http.StatusNoContent), a.deleteWebhook)
	huma.Register(a.huma, op("list-webhook-deliveries", http.MethodGet, "/webhooks/{id}/deliveries",
		"A webhook's latest deliveries, newest first, with their state and the last answer", 0), a.listWebhookDeliveries)
	huma.Register(a.huma, op("test-webhook", http.MethodPost, "/webhooks/{id}/test",
		"Send a webhook.test event to the webhook now", http.StatusAccepted), a.testWebhook)
	huma.Register(a.huma, op("enable-webhook", http.MethodPost, "/webhooks/{id}/enable",
		"Enable a webhook disabled after failing, forgetting its failures: events from now on are sent to it", 0), a.enableWebhook)
}

type webhookOut struct{ Body Webhook }

// POST /webhooks/{id}/enable
func (a *API) enableWebhook(ctx context.Context, in *webhookIDIn) (*webhookOut, error) {
	uid := auth.WorkspaceID(ctx)
	if err := a.deps.Webhooks.Enable(ctx, uid, in.ID); err != nil {
		return nil, err
	}
	e, err := a.deps.Webhooks.Get(ctx, uid, in.ID)
	if err != nil {
		return nil, err
	}
	return &webhookOut{Body: webhookBody(e)}, nil
}

// GET /webhooks
func (a *API) listWebhooks(ctx context.Context, _ *struct{}) (*listWebhooksOut, error) {
	list, err := a.deps.Webhooks.List(ctx, auth.WorkspaceID(ctx))
	if err != nil {
		return nil, err
	}
	out := &listWebhooksOut{}
	out.Body.Webhooks = make([]Webhook, 0, len(list))
	for _, e := range list {
		out.Body.Webhooks = append(out.Body.Webhooks, webhookBody(e))
	}
	return out, nil
}

// POST /webhooks
func (a *API) createWebhook(ctx context.Context, in *createWebhookIn) (*createWebhookOut, error) {
	e, secret, err := a.deps.Webhooks.Create(ctx, auth.WorkspaceID(ctx), in.Body.URL, in.Body.Events)
	if err != nil {
		return nil, err
	}
	out := &createWebhookOut{}
	out.Body.Webhook, out.Body.Secret = webhookBody(e), secret.Reveal()
	return out, nil
}

// DELETE /webhooks/{id}
func (a *API) deleteWebhook(ctx context.Context, in *webhookIDIn) (*struct{}, error) {
	return nil, a.deps.Webhooks.Delete(ctx, auth.WorkspaceID(ctx), in.ID)
}

// GET /webhooks/{id}/deliveries
func (a *API) listWebhookDeliveries(ctx context.Context, in *webhookDeliveriesIn) (*webhookDeliveriesOut, error) {
	list, err := a.deps.Webhooks.Deliveries(ctx, auth.WorkspaceID(ctx), in.ID, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &webhookDeliveriesOut{}
	out.Body.Deliveries = make([]WebhookDelivery, 0, len(list))
	for _, d := range list {
		out.Body.Deliveries = append(out.Body.Deliveries, webhookDeliveryBody(d))
	}
	return out, nil
}

// POST /webhooks/{id}/test
func (a *API) testWebhook(ctx context.Context, in *webhookIDIn) (*webhookDeliveryOut, error) {
	d, err := a.deps.Webhooks.SendTest(ctx, auth.WorkspaceID(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return &webhookDeliveryOut{Body: webhookDeliveryBody(d)}, nil
}
