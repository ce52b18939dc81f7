-- Campaign media (issue 20): the file each step of a campaign attaches
-- (step 1 is the first message, 2 to 4 the follow-ups), at most one per
-- step. A file a campaign uses cannot be deleted from under it.
-- Keep in step with ../sqlite/00039_campaign_media.sql (TestMigrationsInStep).

-- +goose Up
CREATE TABLE campaign_media (
    campaign_id BIGINT  NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    step        BIGINT  NOT NULL CHECK (step BETWEEN 1 AND 4),
    file_id     BIGINT  NOT NULL REFERENCES media_files (id),
    PRIMARY KEY (campaign_id, step)
);
CREATE INDEX campaign_media_file ON campaign_media (file_id);

-- +goose Down
DROP TABLE campaign_media;
