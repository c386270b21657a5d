-- Up Migration
-- What became of each command: written by the projector in the same transaction as the view
-- change (or from the recorded refusal), so a waiting request that sees it can read its result.
CREATE TABLE command_outcomes (
  command_id  uuid PRIMARY KEY,
  category    text NOT NULL,
  stream_id   text NOT NULL,
  status      text NOT NULL CHECK (status IN ('accepted', 'rejected')),
  version     integer,
  code        text,
  reason      text,
  user_id     text,
  recorded_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE command_outcomes;
