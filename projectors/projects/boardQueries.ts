import type { Pool } from 'pg';
import type { Board, Column, Project, Task } from '../../contracts/http/projects';

/** The shapes the frontend reads, as the HTTP API's contract defines them. */
export type { Project, Column, Task };

/** What the caller is to a project: its owner, a member of its team (with a role), or nothing. */
export type Access = 'owner' | 'administrator' | 'editor' | 'commenter' | 'viewer' | null;

/** A project with what access checks need: the caller's access and the board's version. */
export interface ProjectRecord {
  project: Project;
  ownerId: string;
  access: Access;
  version: number;
}

/**
 * The caller's access ($2 names the caller), from the projects context's own record of team
 * members; with COLUMN and TASK, the SQL the app's one-query access checks share (apps/projects/access.ts).
 */
export const ACCESS = `CASE WHEN p.owner_id = $2 THEN 'owner'
  ELSE (SELECT tm.role FROM projects.team_members tm WHERE tm.team_id = p.team_id AND tm.sub = $2) END`;

const PROJECT = `json_build_object('id', p.id, 'name', p.name, 'prefix', p.prefix, 'description', p.description,
  'teamId', p.team_id, 'userId', p.user_id, 'active', p.active, 'public', p.public, 'columnOrder', p.column_order,
  'createdAt', p.created_at, 'updatedAt', p.updated_at)`;
export const COLUMN = `json_build_object('id', c.id, 'projectId', c.project_id, 'title', c.title, 'columnName', c.column_name,
  'taskIds', c.task_ids, 'createdAt', c.created_at, 'updatedAt', c.updated_at)`;
export const TASK = `json_build_object('id', t.id, 'key', t.key, 'seq', t.seq, 'title', t.title, 'points', t.points,
  'content', t.content, 'projectId', t.project_id, 'columnId', t.column_id, 'assignedTo', t.assigned_to,
  'attachments', t.attachments, 'comments', t.comments, 'createdAt', t.created_at, 'updatedAt', t.updated_at)`;
/** Columns in the board's order (columnOrder holds column names). */
const orderedColumns = (also = '') => `SELECT ${COLUMN} AS c FROM projects.columns c
  LEFT JOIN LATERAL (SELECT ord FROM jsonb_array_elements_text(p.column_order) WITH ORDINALITY AS o(name, ord) WHERE o.name = c.column_name) o ON true
  WHERE c.project_id = p.id ${also} ORDER BY o.ord NULLS LAST, c.column_name`;
const ORDERED_COLUMNS = orderedColumns();

/** Postgres renders timestamps in json as local ISO without Z; the frontend gets UTC ISO-8601. */
const utc = (v: string): string => new Date(v).toISOString();
const fixProject = (p: Project): Project => ({
  ...p,
  createdAt: utc(p.createdAt),
  updatedAt: utc(p.updatedAt),
});
const fixColumn = (c: Column): Column => ({
  ...c,
  createdAt: utc(c.createdAt),
  updatedAt: utc(c.updatedAt),
});
const fixTask = (t: Task): Task => ({
  ...t,
  createdAt: utc(t.createdAt),
  updatedAt: utc(t.updatedAt),
});

/**
 * The project as the frontend reads it (built in SQL, so its timestamps still need `fixProject`),
 * with what access checks need.
 */
interface ProjectRow {
  project: Project;
  owner_id: string;
  version: number;
  access: Access;
}

export async function findProject(
  db: Pool,
  id: string,
  sub: string,
): Promise<ProjectRecord | null> {
  const { rows } = await db.query<ProjectRow>(
    `SELECT ${PROJECT} AS project, p.owner_id, p.version, ${ACCESS} AS access FROM projects.projects p WHERE p.id = $1`,
    [id, sub],
  );
  const r = rows[0];
  return r
    ? { project: fixProject(r.project), ownerId: r.owner_id, version: r.version, access: r.access }
    : null;
}

/** Projects the caller may see: their own, and those of the teams they belong to. */
export async function listProjects(db: Pool, sub: string): Promise<Project[]> {
  const { rows } = await db.query<{ project: Project }>(
    `SELECT ${PROJECT} AS project FROM projects.projects p
     WHERE p.owner_id = $1 OR p.team_id IN (SELECT team_id FROM projects.team_members WHERE sub = $1)
     ORDER BY p.created_at`,
    [sub],
  );
  return rows.map((r) => fixProject(r.project));
}

export async function listColumns(db: Pool, projectId: string): Promise<Column[]> {
  const { rows } = await db.query<{ columns: Column[] }>(
    `SELECT coalesce((SELECT json_agg(x.c) FROM (${ORDERED_COLUMNS}) x), '[]') AS columns FROM projects.projects p WHERE p.id = $1`,
    [projectId],
  );
  return (rows[0]?.columns ?? []).map(fixColumn);
}

export async function listTasks(db: Pool, projectId: string): Promise<Task[]> {
  const { rows } = await db.query<{ task: Task }>(
    `SELECT ${TASK} AS task FROM projects.tasks t WHERE t.project_id = $1 ORDER BY t.seq`,
    [projectId],
  );
  return rows.map((r) => fixTask(r.task));
}

export async function findTask(db: Pool, id: string): Promise<Task | null> {
  const { rows } = await db.query<{ task: Task }>(
    `SELECT ${TASK} AS task FROM projects.tasks t WHERE t.id = $1`,
    [id],
  );
  return rows[0] ? fixTask(rows[0].task) : null;
}

/**
 * Only the columns named, in the board's order: what a move answers with, without gathering the
 * order of every other column of a big board.
 */
export async function findColumns(db: Pool, projectId: string, ids: string[]): Promise<Column[]> {
  const { rows } = await db.query<{ columns: Column[] }>(
    `SELECT coalesce((SELECT json_agg(x.c) FROM (${orderedColumns('AND c.id = ANY($2::uuid[])')}) x), '[]') AS columns
       FROM projects.projects p WHERE p.id = $1`,
    [projectId, ids],
  );
  return (rows[0]?.columns ?? []).map(fixColumn);
}

export async function findColumn(db: Pool, id: string): Promise<Column | null> {
  const { rows } = await db.query<{ c: Column }>(
    `SELECT ${COLUMN} AS c FROM projects.columns c WHERE c.id = $1`,
    [id],
  );
  return rows[0] ? fixColumn(rows[0].c) : null;
}

/** The whole board in one indexed query. */
export async function findBoard(
  db: Pool,
  id: string,
  sub: string,
): Promise<(Board & { access: Access }) | null> {
  const { rows } = await db.query<ProjectRow & { columns: Column[]; tasks: Task[] }>(
    `SELECT ${PROJECT} AS project, p.owner_id, p.version, ${ACCESS} AS access,
       coalesce((SELECT json_agg(x.c) FROM (${ORDERED_COLUMNS}) x), '[]') AS columns,
       coalesce((SELECT json_agg(${TASK}) FROM projects.tasks t WHERE t.project_id = p.id), '[]') AS tasks
     FROM projects.projects p WHERE p.id = $1`,
    [id, sub],
  );
  const r = rows[0];
  if (!r) return null;
  const columns = r.columns.map(fixColumn);
  const byId = new Map(r.tasks.map((t) => [t.id, fixTask(t)]));
  const tasks = columns.flatMap((c) =>
    c.taskIds.map((t) => byId.get(t)).filter((t): t is Task => t !== undefined),
  );
  return { project: fixProject(r.project), columns, tasks, version: r.version, access: r.access };
}

/** The caller's role in a team, as the projects context's view of team membership has it. */
export async function teamRole(db: Pool, teamId: string, sub: string): Promise<string | null> {
  const { rows } = await db.query<{ role: string }>(
    'SELECT role FROM projects.team_members WHERE team_id = $1 AND sub = $2',
    [teamId, sub],
  );
  return rows[0]?.role ?? null;
}
