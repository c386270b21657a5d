-- Up Migration
-- Money the provider took that does not count towards the invoice (another currency, more than
-- was due): kept on the invoice for people to settle, apart from amount_paid.
ALTER TABLE invoices ADD COLUMN unmatched_payments jsonb NOT NULL DEFAULT '[]';

-- Down Migration
ALTER TABLE invoices DROP COLUMN unmatched_payments;
