-- Up Migration
-- Log entries a consumer could not apply, for operators: parked, the rest of the log flows on, and
-- `node dist/main.js parked retry <category>` has the consumer apply them again after a fix.
-- Entries of a stream with one parked are held behind it (parked too), so a view never applies a
-- stream's events out of order; readers of that stream are told it is being repaired.
CREATE TABLE parked_entries (
  consumer        text NOT NULL,
  category        text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('event', 'command', 'process')),
  position        bigint NOT NULL,
  stream_id       text,
  reason          text NOT NULL,
  body            text NOT NULL,
  parked_at       timestamptz NOT NULL DEFAULT now(),
  attempts        integer NOT NULL DEFAULT 1,
  retry_requested timestamptz,
  resolved_at     timestamptz,
  PRIMARY KEY (consumer, position)
);
CREATE INDEX parked_entries_open ON parked_entries (category, consumer, position) WHERE resolved_at IS NULL;
CREATE INDEX parked_entries_open_stream ON parked_entries (stream_id) WHERE resolved_at IS NULL;

-- Down Migration
DROP TABLE parked_entries;
