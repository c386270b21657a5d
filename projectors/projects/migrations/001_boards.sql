-- Up Migration
-- A board is served as one document (GET /projects/{pid}/board is one indexed query), but it is
-- stored as rows so a write rewrites only what it changed: an edit one task row, a move one or
-- two column rows (their task-id arrays), never the whole board.
CREATE TABLE projects (
  id           uuid PRIMARY KEY,
  owner_id     text NOT NULL,
  user_id      uuid NOT NULL,
  team_id      uuid,
  name         text NOT NULL,
  prefix       text NOT NULL,
  description  text NOT NULL,
  active       boolean NOT NULL,
  public       boolean NOT NULL,
  column_order jsonb NOT NULL,
  version      integer NOT NULL,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);
CREATE INDEX projects_owner ON projects (owner_id);
CREATE INDEX projects_team ON projects (team_id) WHERE team_id IS NOT NULL;

CREATE TABLE columns (
  id          uuid PRIMARY KEY,
  project_id  uuid NOT NULL,
  column_name text NOT NULL,
  title       text NOT NULL,
  task_ids    jsonb NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE INDEX columns_project ON columns (project_id);

CREATE TABLE tasks (
  id          uuid PRIMARY KEY,
  project_id  uuid NOT NULL,
  column_id   uuid NOT NULL,
  seq         integer NOT NULL,
  key         text NOT NULL,
  title       text NOT NULL,
  content     text NOT NULL,
  points      integer NOT NULL,
  assigned_to text,
  attachments jsonb NOT NULL,
  comments    jsonb NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE INDEX tasks_project ON tasks (project_id);


-- Down Migration
DROP TABLE tasks;
DROP TABLE columns;
DROP TABLE projects;
