-- Up Migration
-- Who may see and change boards shared with a team: learned from the teams context's events
-- (MembershipCreated/Modified/Removed), never by reading the teams context's tables.
CREATE TABLE team_members (
  team_id uuid NOT NULL,
  user_id uuid NOT NULL,
  sub     text NOT NULL,
  role    text NOT NULL,
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_sub ON team_members (sub);

-- Down Migration
DROP TABLE team_members;
