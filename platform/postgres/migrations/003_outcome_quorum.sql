-- Up Migration
-- A category may feed several projections (team events feed the teams views and the projects
-- context's record of team members). A command's outcome is visible once every one of them has
-- applied it: each records itself in seen_by, and the last one announces it.
ALTER TABLE command_outcomes ADD COLUMN seen_by text[] NOT NULL DEFAULT '{}';
ALTER TABLE command_outcomes ADD COLUMN quorum integer NOT NULL DEFAULT 1;

-- Down Migration
ALTER TABLE command_outcomes DROP COLUMN quorum;
ALTER TABLE command_outcomes DROP COLUMN seen_by;
