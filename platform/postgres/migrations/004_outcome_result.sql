-- Up Migration
-- What a command returned when it has something to hand back (a checkout's payment intent).
ALTER TABLE command_outcomes ADD COLUMN result jsonb;

-- Down Migration
ALTER TABLE command_outcomes DROP COLUMN result;
