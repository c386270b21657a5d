-- Up Migration
-- The request each Idempotency-Key was first used with (its method, path, If-Match and body, as a
-- hash), so the key used again with a different request is refused instead of replaying the
-- first answer as if the new request had been carried out.
CREATE TABLE idempotency_keys (
  owner       text NOT NULL,
  key         text NOT NULL,
  fingerprint text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner, key)
);

-- Down Migration
DROP TABLE idempotency_keys;
