-- Up Migration
CREATE TABLE invoices (
  id           uuid PRIMARY KEY,
  estimate_id  uuid NOT NULL,
  project_id   uuid NOT NULL,
  currency     text NOT NULL,
  amount       bigint NOT NULL,
  amount_paid  bigint NOT NULL DEFAULT 0,
  kind         text NOT NULL,
  status       text NOT NULL,
  overdue      boolean NOT NULL DEFAULT false,
  due_at       timestamptz NOT NULL,
  client_email text NOT NULL,
  history      jsonb NOT NULL DEFAULT '[]',
  version      integer NOT NULL,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);
CREATE INDEX invoices_project ON invoices (project_id);
CREATE INDEX invoices_client ON invoices (lower(client_email));

CREATE TABLE payments (
  id                 uuid PRIMARY KEY,
  invoice_id         uuid NOT NULL,
  method             text NOT NULL,
  amount             bigint NOT NULL,
  refunded           bigint NOT NULL DEFAULT 0,
  status             text NOT NULL,
  reference          text,
  reason             text,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL
);
CREATE INDEX payments_invoice ON payments (invoice_id);


-- Down Migration
DROP TABLE payments;
DROP TABLE invoices;
