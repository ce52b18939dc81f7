-- Retention (issue 22): the pruning job deletes rows older than a time in
-- small batches; these indexes let each batch find its rows without
-- reading the whole table.
-- Keep in step with ../sqlite/00024_retention.sql (TestMigrationsInStep).

-- +goose Up
CREATE INDEX inbox_messages_sent ON inbox_messages (sent_at);
CREATE INDEX account_activity_created ON account_activity (created_at);
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (finished_at);
CREATE INDEX member_lists_updated ON member_lists (updated_at);
CREATE INDEX campaigns_finished ON campaigns (finished_at);

-- +goose Down
DROP INDEX campaigns_finished;
DROP INDEX member_lists_updated;
DROP INDEX webhook_deliveries_finished;
DROP INDEX account_activity_created;
DROP INDEX inbox_messages_sent;
