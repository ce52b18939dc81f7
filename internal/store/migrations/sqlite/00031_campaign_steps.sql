-- Follow-up steps (issue 21): a campaign sends up to three more messages
-- to a recipient who has not replied, each a set time after the previous
-- one reached them. Each step of each recipient is its own outbox row
-- (its own random_id, committed before the send), written in the
-- transaction that records the previous step sent, at most once per
-- previous row (the unique index on prev_id).
-- Keep in step with ../postgres/00031_campaign_steps.sql (TestMigrationsInStep).

-- +goose Up
-- The follow-ups' messages and delays, JSON: [{"message", "after_seconds"}]
-- for steps 2 and on ("" for none). Inline, as the audience is: every
-- claim reads the campaign's row, and a table would be a query more.
ALTER TABLE campaigns ADD COLUMN steps TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN step INTEGER NOT NULL DEFAULT 1;
ALTER TABLE deliveries ADD COLUMN prev_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN due_at DATETIME;
CREATE UNIQUE INDEX deliveries_prev ON deliveries (prev_id) WHERE prev_id <> 0;
CREATE INDEX deliveries_steps_due ON deliveries (campaign_id, account_id, due_at) WHERE state = 'pending' AND step > 1;

-- +goose Down
DROP INDEX deliveries_steps_due;
DROP INDEX deliveries_prev;
ALTER TABLE deliveries DROP COLUMN due_at;
ALTER TABLE deliveries DROP COLUMN prev_id;
ALTER TABLE deliveries DROP COLUMN step;
ALTER TABLE campaigns DROP COLUMN steps;
