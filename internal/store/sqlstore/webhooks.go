package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/store"
	gen "github.com/telegramate/telegramate/internal/store/postgres/db"
)

func toWebhookEndpoint(e gen.WebhookEndpoint) store.WebhookEndpoint {
	var events []string
	if e.Events != "" {
		events = strings.Split(e.Events, ",")
	}
	return store.WebhookEndpoint{
		ID: e.ID, UserID: e.UserID, URL: e.Url, SecretSealed: e.SecretSealed, Events: events,
		CreatedAt: e.CreatedAt.UTC(), DisabledAt: fromNullTime(e.DisabledAt),
		Failures: int(e.Failures), FailingSince: fromNullTime(e.FailingSince), LastFailure: e.LastFailure,
		RetryAt: fromNullTime(e.RetryAt), AutoDisabledAt: fromNullTime(e.AutoDisabledAt),
	}
}

func toWebhookDelivery(d gen.WebhookDelivery) store.WebhookDelivery {
	return store.WebhookDelivery{
		ID: d.ID, EndpointID: d.EndpointID, UserID: d.UserID, EventID: d.EventID, EventType: d.EventType,
		Body: d.Body, State: d.State, Attempts: int(d.Attempts), LastStatus: int(d.LastStatus), LastError: d.LastError,
		NextAttemptAt: d.NextAttemptAt.UTC(), CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(),
		FinishedAt: fromNullTime(d.FinishedAt),
	}
}

func (q queries) CreateWebhookEndpoint(ctx context.Context, e store.NewWebhookEndpoint) (store.WebhookEndpoint, error) {
	r, err := q.q.CreateWebhookEndpoint(ctx, gen.CreateWebhookEndpointParams{
		UserID: e.UserID, Url: e.URL, SecretSealed: e.SecretSealed, Events: strings.Join(e.Events, ","), CreatedAt: e.Now,
	})
	return one(q.d, r, err, toWebhookEndpoint)
}

func (q queries) WebhookEndpoints(ctx context.Context, userID int64) ([]store.WebhookEndpoint, error) {
	rs, err := q.q.ListWebhookEndpoints(ctx, userID)
	return many(q.d, rs, err, toWebhookEndpoint)
}

func (q queries) WebhookEndpoint(ctx context.Context, userID, id int64) (store.WebhookEndpoint, error) {
	r, err := q.q.GetWebhookEndpoint(ctx, gen.GetWebhookEndpointParams{ID: id, UserID: userID})
	return one(q.d, r, err, toWebhookEndpoint)
}

func (q queries) DisableWebhookEndpoint(ctx context.Context, userID, id int64, now time.Time) error {
	n, err := q.q.DisableWebhookEndpoint(ctx, gen.DisableWebhookEndpointParams{ID: id, UserID: userID, Now: nullTime(now)})
	return affected(q.d, n, err)
}

func (q queries) ClaimWebhookEndpoint(ctx context.Context, id int64, now, until time.Time) (bool, error) {
	n, err := q.q.ClaimWebhookEndpoint(ctx, gen.ClaimWebhookEndpointParams{ID: id, Now: nullTime(now), Until: nullTime(until)})
	if err != nil {
		return false, mapErr(q.d, err)
	}
	return n > 0, nil
}

func (q queries) WebhookEndpointFailed(ctx context.Context, id int64, reason string, now, retryAt time.Time) (store.WebhookEndpoint, error) {
	r, err := q.q.WebhookEndpointFailed(ctx, gen.WebhookEndpointFailedParams{ID: id, Reason: reason, Now: nullTime(now), RetryAt: nullTime(retryAt)})
	return one(q.d, r, err, toWebhookEndpoint)
}

func (q queries) WebhookEndpointSucceeded(ctx context.Context, id int64) error {
	return mapErr(q.d, q.q.WebhookEndpointSucceeded(ctx, id))
}

func (q queries) AutoDisableWebhookEndpoint(ctx context.Context, id int64, now, failingBefore time.Time) (bool, error) {
	n, err := q.q.AutoDisableWebhookEndpoint(ctx, gen.AutoDisableWebhookEndpointParams{ID: id, Now: nullTime(now), FailingBefore: nullTime(failingBefore)})
	if err != nil {
		return false, mapErr(q.d, err)
	}
	return n > 0, nil
}

func (q queries) EnableWebhookEndpoint(ctx context.Context, userID, id int64) error {
	n, err := q.q.EnableWebhookEndpoint(ctx, gen.EnableWebhookEndpointParams{ID: id, UserID: userID})
	return affected(q.d, n, err)
}

func (q queries) CreateWebhookDelivery(ctx context.Context, d store.NewWebhookDelivery) (store.WebhookDelivery, error) {
	r, err := q.q.CreateWebhookDelivery(ctx, gen.CreateWebhookDeliveryParams{
		EndpointID: d.EndpointID, UserID: d.UserID, EventID: d.EventID, EventType: d.EventType, Body: d.Body, CreatedAt: d.Now,
	})
	return one(q.d, r, err, toWebhookDelivery)
}

func (q queries) WebhookDeliveryForWork(ctx context.Context, id int64) (store.WebhookDelivery, store.WebhookEndpoint, error) {
	r, err := q.q.WebhookDeliveryForWork(ctx, id)
	if err != nil {
		return store.WebhookDelivery{}, store.WebhookEndpoint{}, mapErr(q.d, err)
	}
	return toWebhookDelivery(r.WebhookDelivery), toWebhookEndpoint(r.WebhookEndpoint), nil
}

func (q queries) RecordWebhookAttempt(ctx context.Context, a store.WebhookAttempt) (bool, error) {
	var finished time.Time
	if a.State != store.WebhookPending {
		finished = a.Now
	}
	n, err := q.q.RecordWebhookAttempt(ctx, gen.RecordWebhookAttemptParams{
		ID: a.ID, State: a.State, LastStatus: int64(a.Status), LastError: a.Error,
		NextAttemptAt: a.NextAttemptAt, Now: a.Now, FinishedAt: nullTime(finished),
	})
	if err != nil {
		return false, mapErr(q.d, err)
	}
	return n > 0, nil
}

func (q queries) WebhookDeliveries(ctx context.Context, userID, endpointID int64, limit int) ([]store.WebhookDelivery, error) {
	rs, err := q.q.ListWebhookDeliveries(ctx, gen.ListWebhookDeliveriesParams{EndpointID: endpointID, UserID: userID, MaxRows: int64(limit)})
	return many(q.d, rs, err, toWebhookDelivery)
}

func (q queries) DeleteFinishedWebhookDeliveries(ctx context.Context, before time.Time) (int64, error) {
	n, err := q.q.DeleteFinishedWebhookDeliveries(ctx, nullTime(before))
	return n, mapErr(q.d, err)
}
