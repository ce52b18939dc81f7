-- Restores (issue 22): a backup carries the time it was taken in
-- backup_marks (written into the copy by 'telegramate backup', never into
-- the live database), so a node started on a restored database knows it
-- is one. The first start pauses the campaigns that were running and keeps
-- the backup's time on them: sends made after it are looked for in each
-- dialog when the campaign is resumed, so none goes twice.
-- Keep in step with ../postgres/00020_restores.sql (TestMigrationsInStep).

-- +goose Up
CREATE TABLE backup_marks (
    id         INTEGER  PRIMARY KEY CHECK (id = 1),
    taken_at   DATETIME NOT NULL,
    -- Set by the first start on the restored database.
    handled_at DATETIME
);
ALTER TABLE campaigns ADD COLUMN restored_backup_at DATETIME;
ALTER TABLE campaigns ADD COLUMN restored_at DATETIME;

-- +goose Down
ALTER TABLE campaigns DROP COLUMN restored_at;
ALTER TABLE campaigns DROP COLUMN restored_backup_at;
DROP TABLE backup_marks;
