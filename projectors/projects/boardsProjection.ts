import type { EventEnvelope } from '../../contracts/envelope';
import { PROJECT_CATEGORY, type ProjectEvent } from '../../contracts/projects';
import { boardDecider } from '../../components/projects/boardDecider';
import { emptyBoard, type Board, type Column, type Task } from '../../components/projects/board';
import type { Applier, Projection } from '../../platform/hosts/projectorHost';
import type { Tx } from '../../platform/postgres/pool';
import { placeAdded, placeMoved, type Positions } from './taskPositions';

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
  /** Each task's place in its column (`taskPositions`). */
  positions: Positions;
}

const emptyView = (): ViewBoard => ({
  board: emptyBoard(),
  version: 0,
  stamp: { createdAt: '', updatedAt: '' },
  columns: new Map(),
  tasks: new Map(),
  positions: new Map(),
});

/** The columns and tasks one event names: all it can change besides the board's own row. */
function touched(event: ProjectEvent): { columns: string[]; tasks: string[] } {
  switch (event.type) {
    case 'ProjectAdded':
    case 'ProjectModified':
    case 'ProjectDestroyed':
      return { columns: [], tasks: [] };
    case 'ColumnAdded':
    case 'ColumnModified':
    case 'ColumnDestroyed':
      return { columns: [event.data.id], tasks: [] };
    case 'TaskAdded':
      return { columns: [event.data.columnId], tasks: [event.data.id] };
    case 'TaskModified':
      return { columns: [], tasks: [event.data.id] };
    case 'TaskDestroyed':
      return { columns: [event.data.columnId], tasks: [event.data.id] };
    case 'TaskMoved':
      return { columns: [event.data.from, event.data.to], tasks: [event.data.id] };
  }
}

/**
 * Stamps what the event names, or forgets what it removed. The stamp maps are this projector's
 * alone (the cache is dropped whenever a transaction fails), so they are updated in place: the
 * cost of an event does not depend on the size of its board.
 */
function restamp<T>(
  ids: readonly string[],
  after: Readonly<Record<string, T>>,
  stamps: Map<string, Stamp>,
  at: string,
): void {
  for (const id of ids) {
    if (after[id] === undefined) stamps.delete(id);
    else stamps.set(id, { createdAt: stamps.get(id)?.createdAt ?? at, updatedAt: at });
  }
}

/**
 * The same `evolve` the decider uses, so the views cannot disagree with the rules about what an
 * event means; the views add timestamps, stamped on the columns and tasks the event names.
 * `changed`, when given, collects those names: the rows a batch has to write.
 */
export function foldView(view: ViewBoard, event: EventEnvelope, changed?: Changed): ViewBoard {
  const e = event as unknown as ProjectEvent;
  const board = boardDecider.evolve(view.board, e);
  const at = event.metadata.timestamp;
  if (e.type === 'ProjectAdded') {
    view.columns.clear();
    view.tasks.clear();
    view.positions.clear();
  }
  const names = touched(e);
  restamp(names.columns, board.columns, view.columns, at);
  restamp(names.tasks, board.tasks, view.tasks, at);
  const placed = place(view, board, e);
  if (changed) {
    for (const id of names.columns) changed.columns.add(id);
    for (const id of names.tasks) changed.tasks.add(id);
    for (const id of placed) changed.tasks.add(id);
  }
  return {
    board,
    version: event.version,
    stamp: { createdAt: view.stamp.createdAt || at, updatedAt: at },
    columns: view.columns,
    tasks: view.tasks,
    positions: view.positions,
  };
}

/**
 * Positions the tasks the event placed; a renumbered column's other tasks are rewritten too, but
 * not restamped: nothing about them changed that a reader sees.
 */
function place(view: ViewBoard, board: Board, e: ProjectEvent): readonly string[] {
  switch (e.type) {
    case 'TaskAdded':
      return placeAdded(orderOf(board, e.data.columnId), e.data.id, view.positions);
    case 'TaskMoved':
      return placeMoved(
        view.board.columns[e.data.to]?.taskIds ?? [],
        orderOf(board, e.data.to),
        e.data.id,
        view.positions,
      );
    case 'TaskDestroyed':
      view.positions.delete(e.data.id);
      return [];
    default:
      return [];
  }
}

const orderOf = (board: Board, columnId: string): readonly string[] =>
  board.columns[columnId]?.taskIds ?? [];

/** The columns and tasks a batch's events named, by id. */
export interface Changed {
  columns: Set<string>;
  tasks: Set<string>;
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
      const list = byBoard.get(id);
      if (list) list.push(e);
      else byBoard.set(id, [e]);
    }
    const missing = [...byBoard.keys()].filter((id) => !this.cache.has(id));
    const loaded = await loadBoards(tx, this.schema, missing);
    const writes = new BoardWrites();
    for (const [id, boardEvents] of byBoard) {
      const before = this.cache.get(id) ?? loaded.get(id) ?? emptyView();
      const changed: Changed = { columns: new Set(), tasks: new Set() };
      let after = before;
      for (const e of boardEvents)
        if (e.version > after.version) after = foldView(after, e, changed);
      if (after !== before) writes.diff(id, before.board, after, changed);
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

function stampOf(stamps: Map<string, Stamp>, board: string, id: string): Stamp {
  const s = stamps.get(id);
  if (!s) throw new Error(`board ${board}: ${id} changed but was not stamped`);
  return s;
}

const projectRow = (id: string, v: ViewBoard) => ({
  id,
  owner_id: v.board.ownerId,
  user_id: v.board.userId,
  team_id: v.board.teamId,
  name: v.board.name,
  prefix: v.board.prefix,
  description: v.board.description,
  active: v.board.active,
  public: v.board.public,
  column_order: v.board.columnOrder,
  version: v.version,
  created_at: v.stamp.createdAt,
  updated_at: v.stamp.updatedAt,
});

function positionOf(v: ViewBoard, task: string): number {
  const p = v.positions.get(task);
  if (p === undefined) throw new Error(`board ${v.board.id}: task ${task} has no position`);
  return p;
}

/** A column's order is not in its row: the tasks' positions hold it (`taskPositions`). */
const columnRow = (project: string, c: Column, s: Stamp) => ({
  id: c.id,
  project_id: project,
  column_name: c.columnName,
  title: c.title,
  created_at: s.createdAt,
  updated_at: s.updatedAt,
});

const taskRow = (project: string, t: Task, s: Stamp, position: number) => ({
  id: t.id,
  project_id: project,
  column_id: t.columnId,
  position,
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

/** The rows one batch writes, gathered board by board. */
export class BoardWrites {
  projects: object[] = [];
  destroyed: string[] = [];
  columns: object[] = [];
  columnsGone: string[] = [];
  tasks: object[] = [];
  tasksGone: string[] = [];

  /** The rows of what `changed` names, from the board as the batch left it. */
  diff(id: string, before: Board, after: ViewBoard, changed: Changed): void {
    const b = after.board;
    if (!b.exists) return;
    if (b.destroyed) {
      this.destroyed.push(id);
      return;
    }
    this.projects.push(projectRow(id, after));
    for (const cid of changed.columns) {
      const c = b.columns[cid];
      if (c) this.columns.push(columnRow(id, c, stampOf(after.columns, id, cid)));
      else if (before.columns[cid]) this.columnsGone.push(cid);
    }
    for (const tid of changed.tasks) {
      const t = b.tasks[tid];
      if (t) this.tasks.push(taskRow(id, t, stampOf(after.tasks, id, tid), positionOf(after, tid)));
      else if (before.tasks[tid]) this.tasksGone.push(tid);
    }
  }

  /**
   * Every change of the batch in one statement (one round trip): the rows are disjoint. An upsert
   * sets every field the fold may have changed: an id used again after a delete in the same batch
   * names a new column or task (a new number, created now), though its old row is still there.
   */
  async flush(tx: Tx, s: string): Promise<void> {
    const params = this.params();
    if (params) await tx.query(upsertStatement(s), params);
  }

  /** The statement's parameters; null when the batch changed nothing. */
  params(): unknown[] | null {
    if (
      !this.destroyed.length &&
      !this.tasksGone.length &&
      !this.columnsGone.length &&
      !this.projects.length &&
      !this.columns.length &&
      !this.tasks.length
    )
      return null;
    return [
      this.destroyed,
      this.tasksGone,
      this.columnsGone,
      JSON.stringify(this.projects),
      JSON.stringify(this.columns),
      JSON.stringify(this.tasks),
    ];
  }
}

const upsertStatement = (s: string): string =>
  `WITH gone_boards_tasks AS (DELETE FROM ${s}.tasks WHERE project_id = ANY($1::uuid[])),
            gone_boards_columns AS (DELETE FROM ${s}.column_rows WHERE project_id = ANY($1::uuid[])),
            gone_boards AS (DELETE FROM ${s}.projects WHERE id = ANY($1::uuid[])),
            gone_tasks AS (DELETE FROM ${s}.tasks WHERE id = ANY($2::uuid[])),
            gone_columns AS (DELETE FROM ${s}.column_rows WHERE id = ANY($3::uuid[])),
            boards AS (
              INSERT INTO ${s}.projects SELECT * FROM jsonb_populate_recordset(null::${s}.projects, $4::jsonb)
              ON CONFLICT (id) DO UPDATE SET team_id = EXCLUDED.team_id, name = EXCLUDED.name, description = EXCLUDED.description,
                active = EXCLUDED.active, public = EXCLUDED.public, column_order = EXCLUDED.column_order,
                version = EXCLUDED.version, updated_at = EXCLUDED.updated_at),
            columns AS (
              INSERT INTO ${s}.column_rows SELECT * FROM jsonb_populate_recordset(null::${s}.column_rows, $5::jsonb)
              ON CONFLICT (id) DO UPDATE SET column_name = EXCLUDED.column_name, title = EXCLUDED.title,
                created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at),
            tasks AS (
              INSERT INTO ${s}.tasks SELECT * FROM jsonb_populate_recordset(null::${s}.tasks, $6::jsonb)
              ON CONFLICT (id) DO UPDATE SET column_id = EXCLUDED.column_id, position = EXCLUDED.position, seq = EXCLUDED.seq, key = EXCLUDED.key, title = EXCLUDED.title, content = EXCLUDED.content,
                points = EXCLUDED.points, assigned_to = EXCLUDED.assigned_to, attachments = EXCLUDED.attachments,
                comments = EXCLUDED.comments, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at)
       SELECT 1`;

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
  created_at: Date;
  updated_at: Date;
}

interface TaskRow {
  id: string;
  project_id: string;
  column_id: string;
  position: number;
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
    `SELECT * FROM ${s}.column_rows WHERE project_id = ANY($1::uuid[])`,
    [ids],
  );
  const tasks = await tx.query<TaskRow>(
    `SELECT * FROM ${s}.tasks WHERE project_id = ANY($1::uuid[]) ORDER BY column_id, position, seq`,
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
      positions: new Map(),
    });
  }
  for (const c of columns.rows) {
    const v = out.get(c.project_id);
    if (!v) continue;
    v.board.columns[c.id] = {
      id: c.id,
      columnName: c.column_name,
      title: c.title,
      taskIds: [],
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
    v.board.columns[t.column_id]?.taskIds.push(t.id);
    v.positions.set(t.id, t.position);
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
