-- V013: recipient.message_id no longer has a foreign key. Its check ran on
-- every recipient inserted before 250 (a query of message and a lock on
-- its row, about 24 us of a commit's 420), inside the one serial committer.
-- What it guarded stays true without it: recipients are inserted only in
-- the transaction that inserts their message, and a message's deletion
-- takes its recipients with it, whoever deletes it (an older process of a
-- rolling upgrade, an administrator's SQL): the cascade is now one
-- statement-level trigger per DELETE of messages, not one per row. The
-- integration tests check after every test that no recipient is left
-- without its message.
ALTER TABLE recipient DROP CONSTRAINT IF EXISTS recipient_message_id_fkey;

CREATE FUNCTION delete_recipients_of_deleted_messages() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM recipient r USING deleted d WHERE r.message_id = d.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER message_deleted AFTER DELETE ON message
    REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION delete_recipients_of_deleted_messages();
