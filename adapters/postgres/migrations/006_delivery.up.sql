-- civickit store, version 6: delivery details of outbox messages: the
-- provider's id for a sent message, the channel it went through and the
-- address it went to. Receipts find a message by channel and provider id.
-- Status gains 'delivered' and 'dead'; the new check is added NOT VALID
-- and then validated, so the table is not locked against writes while
-- existing rows are checked.
ALTER TABLE messages
	ADD COLUMN provider_id text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN via         text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN address     text NOT NULL DEFAULT '',
	DROP CONSTRAINT messages_status_check;
ALTER TABLE messages ADD CONSTRAINT messages_status_check
	CHECK (status IN ('pending', 'sent', 'delivered', 'failed', 'dead')) NOT VALID;
ALTER TABLE messages VALIDATE CONSTRAINT messages_status_check;
CREATE INDEX messages_receipt_idx ON messages (via, provider_id) WHERE provider_id <> '';
