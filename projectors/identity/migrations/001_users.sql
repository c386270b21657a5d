-- Up Migration
CREATE TABLE users (
  id             uuid PRIMARY KEY,
  auth0_id       text NOT NULL UNIQUE,
  email          text NOT NULL,
  email_verified boolean NOT NULL,
  first_name     text NOT NULL,
  last_name      text NOT NULL,
  picture        text NOT NULL,
  locale         text NOT NULL,
  version        integer NOT NULL,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);
CREATE INDEX users_email ON users (lower(email));

-- The projector's place in the log and the events it has applied, committed with each change.
CREATE TABLE checkpoints (
  projector text PRIMARY KEY,
  position  bigint NOT NULL
);
CREATE TABLE processed_events (
  event_id uuid PRIMARY KEY,
  position bigint NOT NULL
);

-- Down Migration
DROP TABLE processed_events;
DROP TABLE checkpoints;
DROP TABLE users;
