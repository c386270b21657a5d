import type { EventEnvelope } from '../../contracts/envelope';
import { PROJECT_CATEGORY, type ProjectEvent } from '../../contracts/projects';
import { boardDecider } from '../../components/projects/boardDecider';
import { emptyBoard, type Board } from '../../components/projects/board';
import type { Applier, Projection } from '../../platform/hosts/projectorHost';
import type { Tx } from '../../platform/postgres/pool';

interface Stamp {
  createdAt: string;
  updatedAt: string;
}

/** A board as the views hold it: the decider's state plus what only the views keep. */
export interface ViewBoard {
  board: Board;
  version: number;
  stamp: Stamp;
  columns: Map<string, Stamp>;
  tasks: Map<string, Stamp>;
}

const emptyView = (): ViewBoard => ({
  board: emptyBoard(),
  version: 0,
  stamp: { createdAt: '', updatedAt: '' },
  columns: new Map(),
  tasks: new Map(),
});

/**
 * Stamps what the event changed. The stamp maps are this projector's alone (the cache is dropped
 * whenever a transaction fails), so they are updated in place: rebuilding them for every event
 * made a board of 1,000 tasks cost almost a millisecond per event.
 */
function restamp<T>(
  before: Record<string, T>,
  after: Record<string, T>,
  stamps: Map<string, Stamp>,
  at: string,
): Map<string, Stamp> {
  if (before === after) return stamps;
  for (const id in after) {
    if (after[id] === before[id] && stamps.has(id)) continue;
    stamps.set(id, { createdAt: stamps.get(id)?.createdAt ?? at, updatedAt: at });
  }
  for (const id of stamps.keys()) if (!(id in after)) stamps.delete(id);
  return stamps;
}

/**
 * The same `evolve` the decider uses, so the views cannot disagree with the rules about what an
 * event means; the views add timestamps, stamped on whatever the event changed (`evolve` never
 * mutates, so a changed column or task is a new object).
 */
export function foldView(view: ViewBoard, event: EventEnvelope): ViewBoard {
  const board = boardDecider.evolve(view.board, event as unknown as ProjectEvent);
  const at = event.metadata.timestamp;
  return {
    board,
    version: event.version,
    stamp: { createdAt: view.stamp.createdAt || at, updatedAt: at },
    columns: restamp(view.board.columns, board.columns, view.columns, at),
    tasks: restamp(view.board.tasks, board.tasks, view.tasks, at),
  };
}

const CACHE_LIMIT = 2000;

/**
 * Folds each batch per board in memory and writes back only the rows that changed, a few
 * set-based statements per batch however many events it holds. Boards it wrote are remembered
 * (this host is the views' only writer), so a hot board is not read back before every batch.
 */
class BoardsApplier implements Applier {
  private readonly cache = new Map<string, ViewBoard>();
  private staged = new Map<string, ViewBoard>();

  constructor(private readonly schema: string) {}

  async apply(tx: Tx, events: EventEnvelope[]): Promise<void> {
    const byBoard = new Map<string, EventEnvelope[]>();
    for (const e of events) {
      const id = e.streamId.slice(PROJECT_CATEGORY.length + 1);
      byBoard.set(id, [...(byBoard.get(id) ?? []), e]);
    }
    const missing = [...byBoard.keys()].filter((id) => !this.cache.has(id));
    const loaded = await loadBoards(tx, this.schema, missing);
    const writes = new BoardWrites();
    for (const [id, boardEvents] of byBoard) {
      const before = this.cache.get(id) ?? loaded.get(id) ?? emptyView();
      let after = before;
      for (const e of boardEvents) if (e.version > after.version) after = foldView(after, e);
      writes.diff(id, before, after);
      this.staged.set(id, after);
    }
    await writes.flush(tx, this.schema);
  }

  committed(): void {
    for (const [id, view] of this.staged) {
      this.cache.delete(id);
      if (view.board.exists && !view.board.destroyed) this.cache.set(id, view);
    }
    this.staged = new Map();
    // A map iterates in insertion order, and a board is inserted again whenever it is written:
    // the boards written longest ago go first.
    for (const id of this.cache.keys()) {
      if (this.cache.size <= CACHE_LIMIT) break;
      this.cache.delete(id);
    }
  }

  discarded(): void {
    this.staged = new Map();
    this.cache.clear();
  }
}

class BoardWrites {
  projects: object[] = [];
  destroyed: string[] = [];
  columns: object[] = [];
  columnsGone: string[] = [];
  tasks: object[] = [];
  tasksGone: string[] = [];

  diff(id: string, before: ViewBoard, after: ViewBoard): void {
    const b = after.board;
    if (!b.exists) return;
    if (b.destroyed) {
      this.destroyed.push(id);
      return;
    }
    this.projects.push({
      id,
      owner_id: b.ownerId,
      user_id: b.userId,
      team_id: b.teamId,
      name: b.name,
      prefix: b.prefix,
      description: b.description,
      active: b.active,
      public: b.public,
      column_order: b.columnOrder,
      version: after.version,
      created_at: after.stamp.createdAt,
      updated_at: after.stamp.updatedAt,
    });
    for (const [cid, c] of Object.entries(b.columns)) {
      if (c === before.board.columns[cid]) continue;
      const s = after.columns.get(cid);
      if (!s) throw new Error(`board ${id}: column ${cid} changed but was not stamped`);
      this.columns.push({
        id: cid,
        project_id: id,
        column_name: c.columnName,
        title: c.title,
        task_ids: c.taskIds,
        created_at: s.createdAt,
        updated_at: s.updatedAt,
      });
    }
    for (const cid of Object.keys(before.board.columns))
      if (!b.columns[cid]) this.columnsGone.push(cid);
    for (const [tid, t] of Object.entries(b.tasks)) {
      if (t === before.board.tasks[tid]) continue;
      const s = after.tasks.get(tid);
      if (!s) throw new Error(`board ${id}: task ${tid} changed but was not stamped`);
      this.tasks.push({
        id: tid,
        project_id: id,
        column_id: t.columnId,
        seq: t.seq,
        key: t.key,
        title: t.title,
        content: t.content,
        points: t.points,
        assigned_to: t.assignedTo,
        attachments: t.attachments,
        comments: t.comments,
        created_at: s.createdAt,
        updated_at: s.updatedAt,
      });
    }
    for (const tid of Object.keys(before.board.tasks)) if (!b.tasks[tid]) this.tasksGone.push(tid);
  }

  /**
   * Every change of the batch in one statement (one round trip): the rows are disjoint. An upsert
   * sets every field the fold may have changed: an id used again after a delete in the same batch
   * names a new column or task (a new number, created now), though its old row is still there.
   */
  async flush(tx: Tx, s: string): Promise<void> {
    if (
      !this.destroyed.length &&
      !this.tasksGone.length &&
      !this.columnsGone.length &&
      !this.projects.length &&
      !this.columns.length &&
      !this.tasks.length
    )
      return;
    await tx.query(
      `WITH gone_boards_tasks AS (DELETE FROM ${s}.tasks WHERE project_id = ANY($1::uuid[])),
            gone_boards_columns AS (DELETE FROM ${s}.columns WHERE project_id = ANY($1::uuid[])),
            gone_boards AS (DELETE FROM ${s}.projects WHERE id = ANY($1::uuid[])),
            gone_tasks AS (DELETE FROM ${s}.tasks WHERE id = ANY($2::uuid[])),
            gone_columns AS (DELETE FROM ${s}.columns WHERE id = ANY($3::uuid[])),
            boards AS (
              INSERT INTO ${s}.projects SELECT * FROM jsonb_populate_recordset(null::${s}.projects, $4::jsonb)
              ON CONFLICT (id) DO UPDATE SET team_id = EXCLUDED.team_id, name = EXCLUDED.name, description = EXCLUDED.description,
                active = EXCLUDED.active, public = EXCLUDED.public, column_order = EXCLUDED.column_order,
                version = EXCLUDED.version, updated_at = EXCLUDED.updated_at),
            columns AS (
              INSERT INTO ${s}.columns SELECT * FROM jsonb_populate_recordset(null::${s}.columns, $5::jsonb)
              ON CONFLICT (id) DO UPDATE SET column_name = EXCLUDED.column_name, title = EXCLUDED.title, task_ids = EXCLUDED.task_ids,
                created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at),
            tasks AS (
              INSERT INTO ${s}.tasks SELECT * FROM jsonb_populate_recordset(null::${s}.tasks, $6::jsonb)
              ON CONFLICT (id) DO UPDATE SET column_id = EXCLUDED.column_id, seq = EXCLUDED.seq, key = EXCLUDED.key, title = EXCLUDED.title, content = EXCLUDED.content,
                points = EXCLUDED.points, assigned_to = EXCLUDED.assigned_to, attachments = EXCLUDED.attachments,
                comments = EXCLUDED.comments, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at)
       SELECT 1`,
      [
        this.destroyed,
        this.tasksGone,
        this.columnsGone,
        JSON.stringify(this.projects),
        JSON.stringify(this.columns),
        JSON.stringify(this.tasks),
      ],
    );
  }
}

const iso = (d: Date | string): string => (d instanceof Date ? d.toISOString() : d);

interface ProjectRow {
  id: string;
  owner_id: string;
  user_id: string;
  team_id: string | null;
  name: string;
  prefix: string;
  description: string;
  active: boolean;
  public: boolean;
  column_order: string[];
  version: number;
  created_at: Date;
  updated_at: Date;
}

interface ColumnRow {
  id: string;
  project_id: string;
  column_name: string;
  title: string;
  task_ids: string[];
  created_at: Date;
  updated_at: Date;
}

interface TaskRow {
  id: string;
  project_id: string;
  column_id: string;
  seq: number;
  key: string;
  title: string;
  content: string;
  points: number;
  assigned_to: string | null;
  attachments: string[];
  comments: string[];
  created_at: Date;
  updated_at: Date;
}

/** Reads boards back from the views into the fold's shape. */
async function loadBoards(tx: Tx, s: string, ids: string[]): Promise<Map<string, ViewBoard>> {
  const out = new Map<string, ViewBoard>();
  if (ids.length === 0) return out;
  // One client runs one query at a time.
  const projects = await tx.query<ProjectRow>(
    `SELECT * FROM ${s}.projects WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  const columns = await tx.query<ColumnRow>(
    `SELECT * FROM ${s}.columns WHERE project_id = ANY($1::uuid[])`,
    [ids],
  );
  const tasks = await tx.query<TaskRow>(
    `SELECT * FROM ${s}.tasks WHERE project_id = ANY($1::uuid[])`,
    [ids],
  );
  for (const p of projects.rows) {
    out.set(p.id, {
      board: {
        ...emptyBoard(),
        exists: true,
        id: p.id,
        name: p.name,
        prefix: p.prefix,
        description: p.description,
        active: p.active,
        public: p.public,
        teamId: p.team_id,
        userId: p.user_id,
        ownerId: p.owner_id,
        columnOrder: p.column_order,
      },
      version: p.version,
      stamp: { createdAt: iso(p.created_at), updatedAt: iso(p.updated_at) },
      columns: new Map(),
      tasks: new Map(),
    });
  }
  for (const c of columns.rows) {
    const v = out.get(c.project_id);
    if (!v) continue;
    v.board.columns[c.id] = {
      id: c.id,
      columnName: c.column_name,
      title: c.title,
      taskIds: c.task_ids,
    };
    v.board.columnSeq = Math.max(v.board.columnSeq, Number(c.column_name.slice(7)));
    v.columns.set(c.id, { createdAt: iso(c.created_at), updatedAt: iso(c.updated_at) });
  }
  for (const t of tasks.rows) {
    const v = out.get(t.project_id);
    if (!v) continue;
    v.board.tasks[t.id] = {
      id: t.id,
      columnId: t.column_id,
      seq: t.seq,
      key: t.key,
      title: t.title,
      content: t.content,
      points: t.points,
      assignedTo: t.assigned_to,
      attachments: t.attachments,
      comments: t.comments,
    };
    v.board.seq = Math.max(v.board.seq, t.seq);
    v.tasks.set(t.id, { createdAt: iso(t.created_at), updatedAt: iso(t.updated_at) });
  }
  return out;
}

export const boardsProjection: Projection = {
  name: 'projects-projector',
  context: 'projects',
  category: PROJECT_CATEGORY,
  schema: 'projects',
  migrations: { schema: 'projects', dir: 'projectors/projects/migrations' },
  applier: (schema) => new BoardsApplier(schema),
};
