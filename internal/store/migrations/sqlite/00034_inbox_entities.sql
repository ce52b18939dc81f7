-- A message's formatting (bold, links, code, …) as Telegram's entities,
-- JSON [{"type","offset","length","url","language"}] with UTF-16
-- offsets, so threads show campaign messages and answers as they were
-- sent; '' for plain text and for messages stored before.
-- Keep in step with ../postgres/00034_inbox_entities.sql (TestMigrationsInStep).

-- +goose Up
ALTER TABLE inbox_messages ADD COLUMN entities TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE inbox_messages DROP COLUMN entities;
