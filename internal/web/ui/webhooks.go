package ui

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/webhook"
)

// recentDeliveries is how many of each endpoint's deliveries the page shows.
const recentDeliveries = 10

type webhooksData struct {
	Endpoints []webhookRow
	// Events are the types the form offers, with what each tells.
	Events []webhookEventChoice
	// NewSecret is shown once, right after creation.
	NewSecret secrets.Secret
	NewURL    string
}

type webhookRow struct {
	webhook.Endpoint
	Deliveries []webhookDeliveryRow
	// DisableAfter is how long it may fail before it is disabled.
	DisableAfter string
}

// EventList lists the endpoint's events for the page.
func (e webhookRow) EventList() string { return strings.Join(e.Events, ", ") }

type webhookDeliveryRow struct{ store.WebhookDelivery }

// StateClass is the state's badge colour.
func (d webhookDeliveryRow) StateClass() string {
	switch d.State {
	case store.WebhookDelivered:
		return "success"
	case store.WebhookFailed:
		return "danger"
	}
	return "warning"
}

type webhookEventChoice struct {
	Type, Description string
	Checked           bool
}

// GET /webhooks
func (h *Handler) showWebhooks(w http.ResponseWriter, r *http.Request) {
	h.webhooksPage(w, r, http.StatusOK, &Page{}, webhooksData{}, nil)
}

// POST /webhooks. Like a new API token, the secret is rendered in the
// response instead of redirecting, so it never sits in the session store.
func (h *Handler) createWebhook(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	url, events := r.PostFormValue("url"), r.PostForm["events"]
	form := map[string]string{"url": url}
	for _, e := range events {
		form["event:"+e] = "on"
	}
	e, secret, err := h.Webhooks.Create(r.Context(), workspaceID(r), url, events)
	if err != nil {
		h.webhooksPage(w, r, 0, &Page{Form: form}, webhooksData{}, err)
		return
	}
	h.webhooksPage(w, r, http.StatusCreated, &Page{}, webhooksData{NewSecret: secret, NewURL: e.URL}, nil)
}

// POST /webhooks/{id}/test
func (h *Handler) testWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := webhookID(r)
	if err == nil {
		_, err = h.Webhooks.SendTest(r.Context(), workspaceID(r), id)
	}
	if err != nil {
		h.webhooksPage(w, r, 0, &Page{}, webhooksData{}, err)
		return
	}
	h.flash(r, "success", "A test event is on its way: it shows under the webhook with the answer your URL gives.")
	redirect(w, r, "/webhooks")
}

// POST /webhooks/{id}/delete
func (h *Handler) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := webhookID(r)
	if err == nil {
		err = h.Webhooks.Delete(r.Context(), workspaceID(r), id)
	}
	if err != nil {
		h.webhooksPage(w, r, 0, &Page{}, webhooksData{}, err)
		return
	}
	h.flash(r, "info", "The webhook was deleted: nothing more is sent to it.")
	redirect(w, r, "/webhooks")
}

// POST /webhooks/{id}/enable
func (h *Handler) enableWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := webhookID(r)
	if err == nil {
		err = h.Webhooks.Enable(r.Context(), workspaceID(r), id)
	}
	if err != nil {
		h.webhooksPage(w, r, 0, &Page{}, webhooksData{}, err)
		return
	}
	h.flash(r, "success", "The webhook is enabled again: events from now on are sent to it.")
	redirect(w, r, "/webhooks")
}

// webhookRows are the user's webhooks with their latest deliveries.
func (h *Handler) webhookRows(ctx context.Context, userID int64) ([]webhookRow, error) {
	list, err := h.Webhooks.List(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out []webhookRow
	for _, e := range list {
		ds, err := h.Webhooks.Deliveries(ctx, userID, e.ID, recentDeliveries)
		if err != nil {
			return nil, err
		}
		row := webhookRow{Endpoint: e, DisableAfter: webhook.FormatDuration(h.Webhooks.DisableAfter())}
		for _, x := range ds {
			row.Deliveries = append(row.Deliveries, webhookDeliveryRow{x})
		}
		out = append(out, row)
	}
	return out, nil
}

// webhooksPoll is how often the live webhooks page looks at the
// deliveries: the worker may run on another node, so the database is
// what it watches.
const webhooksPoll = time.Second

// GET /webhooks/events: each webhook's state and latest deliveries, as
// they change (pending, retried, delivered, failed, disabled). A webhook
// added or deleted meanwhile shows when the page is loaded again, as
// after the form's own redirect.
func (h *Handler) webhookEvents(w http.ResponseWriter, r *http.Request) {
	h.streamLive(w, r, "webhooks", webhooksPoll, nil, func(ctx context.Context) (liveLook, error) {
		rows, err := h.webhookRows(ctx, workspaceID(r))
		if err != nil {
			return liveLook{}, err
		}
		events := make([]liveEvent, 0, len(rows))
		for _, row := range rows {
			ev, err := h.block("webhook-"+strconv.FormatInt(row.ID, 10), "webhooks", "webhook-status", row)
			if err != nil {
				return liveLook{}, err
			}
			events = append(events, ev)
		}
		return liveLook{events: events}, nil
	})
}

func webhookID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, apperr.NotFound("Webhook")
	}
	return id, nil
}

func (h *Handler) webhooksPage(w http.ResponseWriter, r *http.Request, status int, p *Page, d webhooksData, failed error) {
	p.Title, p.Nav = "Webhooks", "webhooks"
	var err error
	if d.Endpoints, err = h.webhookRows(r.Context(), workspaceID(r)); err != nil {
		h.renderError(w, r, "error", &Page{Title: "Error"}, err)
		return
	}
	fresh := p.Form == nil
	for _, t := range webhook.EventTypes {
		d.Events = append(d.Events, webhookEventChoice{Type: t, Description: webhook.EventDescriptions[t],
			Checked: fresh || p.Form["event:"+t] != ""})
	}
	p.Data = d
	if failed != nil {
		h.renderError(w, r, "webhooks", p, failed)
		return
	}
	h.render(w, r, status, "webhooks", p)
}
