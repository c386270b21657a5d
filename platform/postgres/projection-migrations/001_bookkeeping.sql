-- Up Migration
-- Every projection schema's bookkeeping: the projectors' places in the log, and the events they
-- applied, both committed in the same transaction as each view change.
CREATE TABLE IF NOT EXISTS checkpoints (
  projector text PRIMARY KEY,
  position  bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS processed_events (
  event_id uuid PRIMARY KEY,
  position bigint NOT NULL
);

-- Down Migration
DROP TABLE processed_events;
DROP TABLE checkpoints;
