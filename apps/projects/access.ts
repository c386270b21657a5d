import type { Pool } from 'pg';
import {
  ACCESS,
  COLUMN,
  TASK,
  type Access,
  type Column,
  type Task,
} from '../../projectors/projects/boardQueries';

/**
 * A task or a column with what the access check needs (the caller's access to its project and
 * the board's version), in one query: the check and the read were two round trips before.
 */
export interface Found<T> {
  item: T;
  projectId: string;
  /** Null when the project is gone (the item is then nobody's). */
  access: Access;
  version: number;
}

/** Postgres renders timestamps in json as local ISO without Z; the frontend gets UTC ISO-8601. */
const utc = <T extends { createdAt: string; updatedAt: string }>(x: T): T => ({
  ...x,
  createdAt: new Date(x.createdAt).toISOString(),
  updatedAt: new Date(x.updatedAt).toISOString(),
});

interface Row<T> {
  item: T;
  project_id: string;
  access: Access;
  version: number | null;
}

const found = <T extends { createdAt: string; updatedAt: string }>(
  rows: Array<Row<T>>,
): Found<T> | null => {
  const r = rows[0];
  return r
    ? { item: utc(r.item), projectId: r.project_id, access: r.access, version: r.version ?? 0 }
    : null;
};

/** One query: the item (`json` built from `table` as `alias`), its project's version and the caller's access. */
const withAccess =
  <T extends { createdAt: string; updatedAt: string }>(
    json: string,
    table: string,
    alias: string,
  ) =>
  async (db: Pool, id: string, sub: string): Promise<Found<T> | null> => {
    const { rows } = await db.query<Row<T>>(
      `SELECT ${json} AS item, ${alias}.project_id, p.version, CASE WHEN p.id IS NULL THEN NULL ELSE ${ACCESS} END AS access
       FROM ${table} ${alias} LEFT JOIN projects.projects p ON p.id = ${alias}.project_id WHERE ${alias}.id = $1`,
      [id, sub],
    );
    return found(rows);
  };

export const taskWithAccess = withAccess<Task>(TASK, 'projects.tasks', 't');
export const columnWithAccess = withAccess<Column>(COLUMN, 'projects.columns', 'c');

/**
 * A task about to move, with the columns it is to leave (`from`, or the one it is in) and join,
 * in the board's order: one query for the access check and what the move's answer starts from.
 */
export async function taskToMove(
  db: Pool,
  taskId: string,
  sub: string,
  move: { from?: string; to: string },
): Promise<(Found<Task> & { columns: Column[] }) | null> {
  const { rows } = await db.query<Row<Task> & { columns: Column[] | null }>(
    `SELECT ${TASK} AS item, t.project_id, p.version, CASE WHEN p.id IS NULL THEN NULL ELSE ${ACCESS} END AS access,
       (SELECT json_agg(x.c ORDER BY x.ord NULLS LAST, x.name) FROM (
          SELECT ${COLUMN} AS c, o.ord, c.column_name AS name FROM projects.columns c
          LEFT JOIN LATERAL (SELECT ord FROM jsonb_array_elements_text(p.column_order) WITH ORDINALITY AS o(name, ord)
                             WHERE o.name = c.column_name) o ON true
          WHERE c.project_id = p.id AND c.id IN (coalesce($3::uuid, t.column_id), $4::uuid)) x) AS columns
     FROM projects.tasks t LEFT JOIN projects.projects p ON p.id = t.project_id WHERE t.id = $1`,
    [taskId, sub, move.from ?? null, move.to],
  );
  const f = found(rows);
  return f && { ...f, columns: (rows[0]?.columns ?? []).map(utc) };
}

/** A moved task and the columns it left and joined (in the board's order), in one query. */
export async function moved(
  db: Pool,
  taskId: string,
  projectId: string,
  columnIds: string[],
): Promise<{ task: Task | null; columns: Column[] }> {
  const { rows } = await db.query<{ task: Task | null; columns: Column[] | null }>(
    `SELECT (SELECT ${TASK} FROM projects.tasks t WHERE t.id = $1) AS task,
       (SELECT json_agg(x.c ORDER BY x.ord NULLS LAST, x.name) FROM (
          SELECT ${COLUMN} AS c, o.ord, c.column_name AS name FROM projects.columns c
          JOIN projects.projects p ON p.id = c.project_id
          LEFT JOIN LATERAL (SELECT ord FROM jsonb_array_elements_text(p.column_order) WITH ORDINALITY AS o(name, ord)
                             WHERE o.name = c.column_name) o ON true
          WHERE c.project_id = $2 AND c.id = ANY($3::uuid[])) x) AS columns`,
    [taskId, projectId, columnIds],
  );
  const r = rows[0];
  return { task: r?.task ? utc(r.task) : null, columns: (r?.columns ?? []).map(utc) };
}
