package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/telegramate/telegramate/internal/store"
)

// DeliverQueue is River's queue of webhook deliveries, apart from the
// default one, so a slow receiver holds up only other webhooks.
const DeliverQueue = "webhooks"

// MaxDeliverers is how many requests one node has in flight at once.
const MaxDeliverers = 20

// DeliverArgs is the job that sends one delivery.
type DeliverArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

func (DeliverArgs) Kind() string { return "webhook_deliver" }

func (DeliverArgs) InsertOpts() river.InsertOpts {
	// Retries are the delivery's own (snoozes until its window ends);
	// River's attempts only cover the database failing under the job.
	return river.InsertOpts{Queue: DeliverQueue, MaxAttempts: 25}
}

type deliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	s *Service
}

func (w *deliverWorker) Timeout(*river.Job[DeliverArgs]) time.Duration {
	return RequestTimeout + time.Minute
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	return w.s.deliver(ctx, job.Args.DeliveryID)
}

// Register adds the delivery and pruning workers to River's workers.
func Register(w *river.Workers, s *Service) {
	river.AddWorker(w, &deliverWorker{s: s})
	river.AddWorker(w, &pruneWorker{s: s})
}

// Queues adds the deliveries' queue to queues.
func Queues(queues map[string]river.QueueConfig) map[string]river.QueueConfig {
	queues[DeliverQueue] = river.QueueConfig{MaxWorkers: MaxDeliverers}
	return queues
}

// deliver makes one attempt, unless the delivery is no longer pending (it
// was delivered or failed: never again) or not due yet.
func (s *Service) deliver(ctx context.Context, id int64) error {
	d, e, err := s.st.WebhookDeliveryForWork(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("webhook delivery %d: %w", id, err)
	}
	if d.State != store.WebhookPending {
		return nil
	}
	now := s.now()
	if !e.DisabledAt.IsZero() {
		return s.record(ctx, d, store.WebhookFailed, 0, "The webhook was deleted before this event was delivered", now)
	}
	if !e.AutoDisabledAt.IsZero() {
		return s.record(ctx, d, store.WebhookFailed, 0, "The webhook was disabled after failing for "+
			FormatDuration(s.o.DisableAfter)+" without a success; enable it again on its page", now)
	}
	if wait := d.NextAttemptAt.Sub(now); wait > 0 {
		return river.JobSnooze(wait)
	}
	// A failing endpoint's deliveries wait for it as a whole: a snooze
	// costs them no attempt and frees the worker for other endpoints. A
	// test event (at most ten a minute) is its owner checking a fix, and
	// goes at once.
	if wait := e.RetryAt.Sub(now); wait > 0 && d.EventType != TestEvent {
		return river.JobSnooze(wait)
	}
	secret, err := s.o.Keyring.Open(e.SecretSealed, adSecret(e.UserID))
	if err != nil {
		return s.record(ctx, d, store.WebhookFailed, 0, "The webhook's secret cannot be opened with this instance's keys", now)
	}
	if !s.inFlight.take(e.UserID) {
		return river.JobSnooze(busyWait)
	}
	if e.Failures > 0 && d.EventType != TestEvent {
		// One attempt at a time probes a failing endpoint, so its waiting
		// deliveries do not all hit it (and time out) at once; the others
		// look again shortly, as those beyond the user's share do.
		ok, err := s.st.ClaimWebhookEndpoint(ctx, e.ID, now, now.Add(probeHold))
		if err != nil || !ok {
			s.inFlight.give(e.UserID)
			if err != nil {
				return fmt.Errorf("webhook %d: claim an attempt: %w", e.ID, err)
			}
			return river.JobSnooze(busyWait)
		}
	}
	status, why := s.post(ctx, e.URL, d, string(secret), now)
	s.inFlight.give(e.UserID)
	if ctx.Err() != nil && status == 0 {
		// Shutting down: this attempt does not count, and the job is
		// available again at once, for this node's next start or another.
		return river.JobSnooze(0)
	}
	now = s.now()
	if status >= 200 && status < 300 {
		if e.Failures > 0 {
			if err := s.st.WebhookEndpointSucceeded(context.WithoutCancel(ctx), e.ID); err != nil {
				return fmt.Errorf("webhook %d: forget its failures: %w", e.ID, err)
			}
		}
		return s.record(ctx, d, store.WebhookDelivered, status, "", now)
	}
	if err := s.endpointFailed(ctx, e, why, now); err != nil {
		return err
	}
	n := d.Attempts + 1
	next := now.Add(s.o.Backoff(n))
	if next.Sub(d.CreatedAt) > s.o.RetryWindow {
		s.log.Warn("webhook delivery failed for good", slog.Int64("webhook", e.ID), slog.Int64("delivery", d.ID),
			slog.Int("attempts", n), slog.String("err", why))
		return s.record(ctx, d, store.WebhookFailed, status, why, now)
	}
	if err := s.recordRetry(ctx, d, status, why, next, now); err != nil {
		return err
	}
	return river.JobSnooze(next.Sub(now))
}

// probeHold is how long an attempt to a failing endpoint holds it: longer
// than a request can take, so a node that dies mid-attempt frees it soon.
const probeHold = RequestTimeout + 5*time.Second

// endpointFailed counts a failed attempt against the endpoint: it waits
// Backoff(failures) before the next, and once it has failed for
// DisableAfter without a success it is disabled, and its owner's other
// endpoints that chose webhook.disabled are told, in the same transaction
// (the conditional update lets only one attempt tell).
func (s *Service) endpointFailed(ctx context.Context, e store.WebhookEndpoint, why string, now time.Time) error {
	ctx = context.WithoutCancel(ctx)
	return s.st.InTx(ctx, func(tx store.Tx) error {
		u, err := tx.WebhookEndpointFailed(ctx, e.ID, why, now, now.Add(s.o.Backoff(e.Failures+1)))
		if err != nil {
			return fmt.Errorf("webhook %d: count a failure: %w", e.ID, err)
		}
		if now.Sub(u.FailingSince) < s.o.DisableAfter {
			return nil
		}
		ok, err := tx.AutoDisableWebhookEndpoint(ctx, e.ID, now, now.Add(-s.o.DisableAfter))
		if err != nil || !ok {
			return err
		}
		s.log.Warn("webhook disabled for failing", slog.Int64("user", e.UserID), slog.Int64("webhook", e.ID),
			slog.Time("failing_since", u.FailingSince), slog.Int("failures", u.Failures), slog.String("err", why))
		return s.PublishTx(ctx, tx, e.UserID, WebhookDisabled, map[string]any{
			"webhook_id":    e.ID,
			"url":           e.URL,
			"failing_since": u.FailingSince.Truncate(time.Second),
			"disabled_at":   now.Truncate(time.Second),
			"failures":      u.Failures,
			"last_error":    why,
		})
	})
}

// FormatDuration writes a whole duration simply: "24h", "90m", "2s".
func FormatDuration(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

func (s *Service) record(ctx context.Context, d store.WebhookDelivery, state string, status int, why string, now time.Time) error {
	ctx = context.WithoutCancel(ctx)
	_, err := s.st.RecordWebhookAttempt(ctx, store.WebhookAttempt{ID: d.ID, State: state, Status: status, Error: why,
		NextAttemptAt: d.NextAttemptAt, Now: now})
	if err != nil {
		return fmt.Errorf("record webhook delivery %d %s: %w", d.ID, state, err)
	}
	return nil
}

func (s *Service) recordRetry(ctx context.Context, d store.WebhookDelivery, status int, why string, next, now time.Time) error {
	_, err := s.st.RecordWebhookAttempt(context.WithoutCancel(ctx), store.WebhookAttempt{ID: d.ID, State: store.WebhookPending,
		Status: status, Error: why, NextAttemptAt: next, Now: now})
	if err != nil {
		return fmt.Errorf("record webhook delivery %d retry: %w", d.ID, err)
	}
	return nil
}

// post sends the delivery's body; it returns the answer's status (0 when
// none came) and, unless it was 2xx, why the attempt failed.
func (s *Service) post(ctx context.Context, target string, d store.WebhookDelivery, secret string, now time.Time) (int, string) {
	body := []byte(d.Body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, "The URL cannot be requested"
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Telegramate-Webhooks/1")
	req.Header.Set("Telegramate-Event-Id", d.EventID)
	req.Header.Set("Telegramate-Event-Type", d.EventType)
	req.Header.Set("Telegramate-Delivery-Attempt", strconv.Itoa(d.Attempts+1))
	req.Header.Set(SignatureHeader, Sign(secret, now, body))
	resp, err := s.o.Client.Do(req)
	if err != nil {
		return 0, noAnswer(err)
	}
	defer resp.Body.Close()
	// Read a little so the connection can be reused; nothing of it is
	// kept or shown: an answer's body is the receiver's business, and
	// showing it would let a tenant read what the instance can reach.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, statusReason(resp.StatusCode)
}

// statusReason says why an answer that is not 2xx failed, in words that
// depend on its status alone.
func statusReason(code int) string {
	why := "HTTP " + strconv.Itoa(code)
	switch {
	case code >= 200 && code < 300:
		return ""
	case code >= 300 && code < 400:
		return why + ": a redirect (redirects are not followed: give the final URL)"
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return why + ": the receiver refused the request (check it verifies the signature with this webhook's secret)"
	case code == http.StatusNotFound || code == http.StatusMethodNotAllowed:
		return why + ": the receiver has no such path taking POST (check the URL)"
	case code == http.StatusTooManyRequests:
		return why + ": the receiver asked to slow down"
	case code >= 400 && code < 500:
		return why + ": the receiver refused the event"
	default:
		return why + ": the receiver failed to take the event"
	}
}

// noAnswer says why no answer came, in a few generic words: the dialer's
// own error (connection refused, no route, a TLS alert) would tell a
// tenant which ports answer where the instance is, a port scanner.
func noAnswer(err error) string {
	switch {
	case errors.Is(err, errInternalAddress):
		return "No answer: the URL leads to an internal address (this machine, a private network or a metadata service), which this instance does not reach"
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return "No answer within " + RequestTimeout.String()
	default:
		// A name that does not resolve says the same: telling them
		// apart would tell which names exist inside the network.
		return "No answer: the host name did not resolve, or the connection failed"
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
