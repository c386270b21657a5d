-- Up Migration
-- One ledger for every side effect on the world: the reactions' (an invitation email) and the
-- workflow steps' (notices, payment intents, refunds), so a retried step or a redelivered event
-- skips what was done. The reactions' table becomes it, so the invitations it recorded stay
-- recorded (scope = the reaction's name). A row without done_at is an attempt's claim, held until
-- claimed_until; `result` is what a done effect gave back (a payment intent), for the next attempt.
ALTER TABLE reaction_effects RENAME TO effects;
ALTER TABLE effects RENAME CONSTRAINT reaction_effects_pkey TO effects_pkey;
ALTER TABLE effects RENAME COLUMN reaction TO scope;
ALTER TABLE effects ALTER COLUMN done_at DROP NOT NULL, ALTER COLUMN done_at DROP DEFAULT;
ALTER TABLE effects
  ADD COLUMN result jsonb,
  ADD COLUMN claim text,
  ADD COLUMN claimed_until timestamptz,
  ADD CONSTRAINT effects_done_or_claimed CHECK (done_at IS NOT NULL OR claimed_until IS NOT NULL);

-- Down Migration
DELETE FROM effects WHERE done_at IS NULL;
ALTER TABLE effects DROP CONSTRAINT effects_done_or_claimed;
ALTER TABLE effects DROP COLUMN claimed_until, DROP COLUMN claim, DROP COLUMN result;
ALTER TABLE effects ALTER COLUMN done_at SET DEFAULT now(), ALTER COLUMN done_at SET NOT NULL;
ALTER TABLE effects RENAME COLUMN scope TO reaction;
ALTER TABLE effects RENAME CONSTRAINT effects_pkey TO reaction_effects_pkey;
ALTER TABLE effects RENAME TO reaction_effects;
