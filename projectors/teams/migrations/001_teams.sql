-- Up Migration
CREATE TABLE teams (
  id         uuid PRIMARY KEY,
  name       text NOT NULL,
  user_id    uuid NOT NULL,
  project_id uuid,
  version    integer NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE memberships (
  id         uuid PRIMARY KEY,
  team_id    uuid NOT NULL,
  user_id    uuid NOT NULL,
  sub        text NOT NULL,
  role       text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (team_id, user_id)
);
CREATE INDEX memberships_sub ON memberships (sub);

CREATE TABLE invites (
  id         uuid PRIMARY KEY,
  team_id    uuid NOT NULL,
  email      text NOT NULL,
  invited_by uuid NOT NULL,
  expiration timestamptz NOT NULL,
  status     text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX invites_email ON invites (email);
CREATE INDEX invites_team ON invites (team_id);


-- Down Migration
DROP TABLE invites;
DROP TABLE memberships;
DROP TABLE teams;
