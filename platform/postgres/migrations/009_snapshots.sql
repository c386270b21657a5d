-- Up Migration
-- What a component keeps of its category outside memory (platform/hosts/componentHost.ts), so it
-- neither holds every stream nor replays the whole log when it starts. `category` carries the
-- log's channel prefix: deployments sharing a database keep apart, as their channels do.
-- Every entry of the category's event channel at or below a category's checkpoint is reflected
-- here: its events in the snapshots, its command id in handled_commands. A snapshot is only ever
-- of events the log has stored, so it may run ahead of the checkpoint, never ahead of the log.
CREATE TABLE snapshots (
  category  text NOT NULL,
  stream_id text NOT NULL,
  version   integer NOT NULL,
  state     jsonb NOT NULL,
  PRIMARY KEY (category, stream_id)
);

CREATE TABLE snapshot_checkpoints (
  category text PRIMARY KEY,
  position bigint NOT NULL
);

-- Command ids whose outcome the log holds; `position` is where it is stored, or the checkpoint of
-- the flush that recorded it (the entry is at or below it). Read only when a command misses the
-- component's window of recent ids.
CREATE TABLE handled_commands (
  category   text NOT NULL,
  command_id uuid NOT NULL,
  position   bigint NOT NULL,
  PRIMARY KEY (category, command_id)
);

-- Down Migration
DROP TABLE handled_commands;
DROP TABLE snapshot_checkpoints;
DROP TABLE snapshots;
