-- Up Migration
-- Who last took each lease (platform/postgres/lease.ts), and whether it gave the lease up. A lease
-- lost instead (its session cut, its process dead) makes the next holder wait before it writes,
-- since the last one may have gone on writing for a moment before it knew.
CREATE TABLE leases (
  name        text PRIMARY KEY,
  holder      uuid NOT NULL,
  released    boolean NOT NULL,
  acquired_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE leases;
