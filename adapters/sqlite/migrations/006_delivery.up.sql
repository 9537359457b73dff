-- Delivery details of outbox messages: the provider's id for a sent
-- message, the channel it went through and the address it went to.
-- Receipts find a message by channel and provider id. Status gains
-- 'delivered' and 'dead' (the column has no CHECK here).
ALTER TABLE messages ADD COLUMN provider_id TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN via TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN address TEXT NOT NULL DEFAULT '';
CREATE INDEX messages_receipt ON messages (via, provider_id) WHERE provider_id <> '';
