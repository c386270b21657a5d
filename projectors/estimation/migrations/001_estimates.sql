-- Up Migration
CREATE TABLE estimates (
  id              uuid PRIMARY KEY,
  project_id      uuid NOT NULL,
  title           text NOT NULL,
  currency        text NOT NULL,
  tax_rate        integer NOT NULL,
  discount        bigint NOT NULL,
  deposit_percent integer NOT NULL,
  valid_until     date NOT NULL,
  notes           text NOT NULL,
  client_email    text,
  supersedes      uuid,
  created_by      uuid NOT NULL,
  status          text NOT NULL,
  subtotal        bigint NOT NULL DEFAULT 0,
  discount_applied bigint NOT NULL DEFAULT 0,
  tax             bigint NOT NULL DEFAULT 0,
  total           bigint NOT NULL DEFAULT 0,
  sent_at         timestamptz,
  expires_at      timestamptz,
  decided_by      text,
  reason          text,
  history         jsonb NOT NULL DEFAULT '[]',
  version         integer NOT NULL,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);
CREATE INDEX estimates_project ON estimates (project_id);
CREATE INDEX estimates_client ON estimates (lower(client_email));

CREATE TABLE estimate_items (
  id          uuid PRIMARY KEY,
  estimate_id uuid NOT NULL,
  position    integer NOT NULL,
  description text NOT NULL,
  quantity    text NOT NULL,
  unit        text NOT NULL,
  unit_price  bigint NOT NULL,
  line_total  bigint NOT NULL,
  task_id     uuid
);
CREATE INDEX estimate_items_estimate ON estimate_items (estimate_id);


-- Down Migration
DROP TABLE estimate_items;
DROP TABLE estimates;
