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


-- Down Migration
DROP TABLE users;
