-- Up Migration
-- A column's order was its task_ids array, rewritten whole by every add, move or delete in it, so
-- a write cost more the bigger its board (an add on a 1,000-task board rewrote ~10 kB). Each task
-- now holds its position in its column (a move takes a position between its new neighbours'), so
-- a write touches the rows it names and no more. `columns` reads as before: a view that gathers
-- each column's order from its tasks.
ALTER TABLE tasks ADD COLUMN position double precision;
UPDATE tasks t SET position = o.ord - 1
  FROM columns c, jsonb_array_elements_text(c.task_ids) WITH ORDINALITY AS o(id, ord)
  WHERE c.id = t.column_id AND o.id = t.id::text;
-- A task its column did not list (never written so by the projector): last, by number.
UPDATE tasks SET position = 1e9 + seq WHERE position IS NULL;
ALTER TABLE tasks ALTER COLUMN position SET NOT NULL;
CREATE INDEX tasks_column_position ON tasks (column_id, position);

ALTER TABLE columns DROP COLUMN task_ids;
ALTER TABLE columns RENAME TO column_rows;
CREATE VIEW columns AS
  SELECT c.id, c.project_id, c.column_name, c.title,
         coalesce((SELECT jsonb_agg(t.id ORDER BY t.position, t.seq) FROM tasks t WHERE t.column_id = c.id),
                  '[]'::jsonb) AS task_ids,
         c.created_at, c.updated_at
    FROM column_rows c;

-- Down Migration
DROP VIEW columns;
ALTER TABLE column_rows RENAME TO columns;
ALTER TABLE columns ADD COLUMN task_ids jsonb NOT NULL DEFAULT '[]';
UPDATE columns c SET task_ids = coalesce(
  (SELECT jsonb_agg(t.id ORDER BY t.position, t.seq) FROM tasks t WHERE t.column_id = c.id), '[]');
ALTER TABLE columns ALTER COLUMN task_ids DROP DEFAULT;
DROP INDEX tasks_column_position;
ALTER TABLE tasks DROP COLUMN position;
