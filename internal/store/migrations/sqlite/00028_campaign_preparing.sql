-- A campaign's deliveries are written a batch to a transaction (issue 18),
-- so a 100,000-recipient campaign does not hold SQLite's writer while it
-- is made. Until the last batch is in, the campaign is preparing: nobody
-- sees, starts or counts it as made, and one that never finished (the
-- process died) is deleted by the drafts' prune.
-- Keep in step with ../postgres/00028_campaign_preparing.sql (TestMigrationsInStep).

-- +goose Up
ALTER TABLE campaigns ADD COLUMN preparing BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE campaigns DROP COLUMN preparing;
