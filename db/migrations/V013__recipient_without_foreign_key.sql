-- V013: recipient.message_id no longer has a foreign key. Its check ran on
-- every recipient inserted before 250 (a query of message and a row lock
-- on it, about a twentieth of the commit's time in the backend), to guard
-- an invariant the queue keeps by construction: recipients are inserted
-- only in the transaction that inserts their message, and every statement
-- that deletes a message deletes its recipients in the same statement
-- (db/statements.hpp: remove_if_done, finish_delivered, remove_finished),
-- as ON DELETE CASCADE did. The integration tests check after every test
-- that no recipient is left without its message.
ALTER TABLE recipient DROP CONSTRAINT IF EXISTS recipient_message_id_fkey;
