-- Members are written a page at a time, and per-row work is what an
-- extraction's time goes to: a foreign key costs PostgreSQL a trigger and a
-- parent-row lock for every member (measured: more than the insert itself),
-- and the (account, user) index is one more B-tree per member. Integrity
-- is kept by the store instead: a page's members commit only with the
-- update of their extraction's checkpoint (which fails if the list is gone,
-- and otherwise holds the row until commit), and a list's members are
-- deleted after the list (DeleteMemberList). Access hashes are looked up
-- through the account owner's lists and (list_id, tg_user_id).
-- Keep in step with ../sqlite/00004_members_bulk.sql (TestMigrationsInStep).

-- +goose Up
ALTER TABLE members DROP CONSTRAINT members_list_id_fkey;
ALTER TABLE members DROP CONSTRAINT members_account_id_fkey;
DROP INDEX members_account_user;

-- +goose Down
DELETE FROM members WHERE list_id NOT IN (SELECT id FROM member_lists);
CREATE INDEX members_account_user ON members (account_id, tg_user_id);
ALTER TABLE members ADD CONSTRAINT members_account_id_fkey FOREIGN KEY (account_id) REFERENCES telegram_accounts (id) ON DELETE CASCADE;
ALTER TABLE members ADD CONSTRAINT members_list_id_fkey FOREIGN KEY (list_id) REFERENCES member_lists (id) ON DELETE CASCADE;
