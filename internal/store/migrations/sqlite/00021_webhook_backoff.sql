-- Failing webhooks (issue 18): an endpoint that keeps failing backs off
-- as a whole (its deliveries wait for retry_at, one probe at a time), so
-- a dead receiver costs the node one request per wait rather than one per
-- waiting event; after failing without a success for a day it is
-- disabled (auto_disabled_at) until its owner enables it again.
-- Keep in step with ../postgres/00021_webhook_backoff.sql (TestMigrationsInStep).

-- +goose Up
-- Failures in a row since the last success (0 when healthy).
ALTER TABLE webhook_endpoints ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
-- The first failure after the last success.
ALTER TABLE webhook_endpoints ADD COLUMN failing_since DATETIME;
-- Why the last attempt failed (the status and a generic reason).
ALTER TABLE webhook_endpoints ADD COLUMN last_failure TEXT NOT NULL DEFAULT '';
-- No attempt to the endpoint before this (its backoff).
ALTER TABLE webhook_endpoints ADD COLUMN retry_at DATETIME;
-- While an attempt probes a failing endpoint, until when it holds it
-- (longer than a request takes, so a dead node's hold ends soon).
ALTER TABLE webhook_endpoints ADD COLUMN probe_until DATETIME;
-- Set when the endpoint was disabled for failing; its owner's enabling
-- clears it with the rest.
ALTER TABLE webhook_endpoints ADD COLUMN auto_disabled_at DATETIME;

-- +goose Down
ALTER TABLE webhook_endpoints DROP COLUMN probe_until;
ALTER TABLE webhook_endpoints DROP COLUMN auto_disabled_at;
ALTER TABLE webhook_endpoints DROP COLUMN retry_at;
ALTER TABLE webhook_endpoints DROP COLUMN last_failure;
ALTER TABLE webhook_endpoints DROP COLUMN failing_since;
ALTER TABLE webhook_endpoints DROP COLUMN failures;
