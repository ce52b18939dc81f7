-- When a disconnected account was disconnected: the pages showed
-- updated_at instead, which any later change to the row would move.
-- Keep in step with ../postgres/00007_disconnected_at.sql (TestMigrationsInStep).

-- +goose Up
ALTER TABLE telegram_accounts ADD COLUMN disconnected_at DATETIME;
-- Until now disconnecting was the last change a disconnected row got.
UPDATE telegram_accounts SET disconnected_at = updated_at WHERE status = 'disconnected';

-- +goose Down
ALTER TABLE telegram_accounts DROP COLUMN disconnected_at;
