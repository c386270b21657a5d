/**
 * The board (projects) workload: one user's kanban boards driven over HTTP the way the frontend
 * drives them. Setup makes many small boards and one hot board; the workloads then mix task adds,
 * edits and moves, either spread over the many boards or concentrated on the hot one.
 *
 * Adds and edits do not depend on what the client saw (no If-Match; a task is never deleted here,
 * so an edit always names a task that exists): every refusal of one is a product problem. A move
 * carries the destination column's whole order as the client read it, so it is refused (409: the
 * task left `from`; 422: `taskIds` is not the destination's tasks plus the moved one) whenever
 * another client changed either column in between. Each client therefore re-reads the columns
 * right before it moves, and the report counts the refusals apart.
 */
import { Agent } from 'node:http';
import { newTraceId, sendJson, type Call, type RequestRecord } from './http';
import { closedLoop } from './loop';
import { parallel, now, round, summarize, type Summary } from './util';

export type WriteKind = 'add' | 'edit' | 'move';

/** Share of each write kind; a move is preceded by a read of the board's columns. */
export const BOARD_MIX: Record<WriteKind, number> = { add: 0.25, edit: 0.4, move: 0.35 };

/**
 * Adds and edits only, in the same proportion as in BOARD_MIX: the writes that depend on no view,
 * which issue 15's share-of-raw target is about.
 */
export const ADD_EDIT_MIX: Record<WriteKind, number> = {
  add: BOARD_MIX.add / (BOARD_MIX.add + BOARD_MIX.edit),
  edit: BOARD_MIX.edit / (BOARD_MIX.add + BOARD_MIX.edit),
  move: 0,
};

/**
 * spread: the mix over many boards; hot: the mix on one board; spreadAddsEdits: ADD_EDIT_MIX over
 * many boards.
 */
export type BoardShape = 'spread' | 'hot' | 'spreadAddsEdits';

interface ColumnState {
  id: string;
  taskIds: string[];
}

/** What a client knows of a board: its columns and their tasks, as last read or answered. */
export interface BoardState {
  pid: string;
  columns: ColumnState[];
}

const copy = (b: BoardState): BoardState => ({
  pid: b.pid,
  columns: b.columns.map((c) => ({ id: c.id, taskIds: [...c.taskIds] })),
});

/** A small deterministic generator per client, so runs pick alike. */
function rng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

const trace = newTraceId;

class Api {
  private readonly agent: Agent;
  constructor(
    private readonly port: number,
    private readonly token: string,
    sockets: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets });
  }

  async call(
    method: Call['method'],
    path: string,
    body?: unknown,
    traceId = trace(),
  ): Promise<{ status: number; json: any; text: string }> {
    return sendJson(this.agent, this.port, { method, path, token: this.token, body }, traceId);
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface BoardSetup {
  boards: BoardState[];
  /** One hot board per hot workload, so each starts from the same size. */
  hot: BoardState[];
  seconds: number;
  writes: number;
}

/**
 * Through the API: `boards` boards with `tasksPerBoard` tasks each (round-robin over the four
 * columns), and `hotBoards` hot boards with `hotTasks` tasks each, spread over their columns.
 */
export async function setupBoards(
  port: number,
  token: string,
  o: {
    boards: number;
    tasksPerBoard: number;
    hotBoards: number;
    hotTasks: number;
    concurrency: number;
    tag: string;
  },
): Promise<BoardSetup> {
  const t0 = now();
  const api = new Api(port, token, o.concurrency);
  let writes = 0;
  const must = async (method: Call['method'], path: string, body: unknown, expect: number) => {
    const r = await api.call(method, path, body);
    if (r.status !== expect)
      throw new Error(
        `board setup: ${method} ${path} answered ${r.status} ${r.text.slice(0, 200)}`,
      );
    if (method !== 'GET') writes++;
    return r.json;
  };
  try {
    const names = [
      ...Array.from({ length: o.boards }, (_, i) => `Board ${o.tag} ${i}`),
      ...Array.from({ length: o.hotBoards }, (_, i) => `Hot ${o.tag} ${i}`),
    ];
    const states: BoardState[] = new Array(names.length);
    await parallel(names, o.concurrency, async (name, i) => {
      const project = await must('POST', '/api/v1/projects', { name }, 201);
      const columns = (await must(
        'GET',
        `/api/v1/projects/${project.id}/columns`,
        undefined,
        200,
      )) as Array<{ id: string; taskIds: string[] }>;
      if (columns.length !== 4)
        throw new Error(`board setup: a new board has ${columns.length} columns, expected 4`);
      states[i] = {
        pid: project.id,
        columns: columns.map((c) => ({ id: c.id, taskIds: [...c.taskIds] })),
      };
    });
    const adds: Array<{ board: BoardState; column: ColumnState; title: string }> = [];
    for (let k = 0; k < Math.max(o.tasksPerBoard, o.hotTasks); k++) {
      states.forEach((b, i) => {
        const hot = i >= o.boards;
        if (k < (hot ? o.hotTasks : o.tasksPerBoard))
          adds.push({ board: b, column: b.columns[k % b.columns.length]!, title: `Task ${k}` });
      });
    }
    await parallel(adds, o.concurrency, async (a) => {
      const task = await must(
        'POST',
        `/api/v1/projects/${a.board.pid}/columns/${a.column.id}/tasks`,
        { title: a.title },
        201,
      );
      a.column.taskIds.push(task.id);
    });
    // Concurrent adds to one column land in the order the board decided: read that order back.
    await parallel(states, o.concurrency, async (b) => {
      const columns = (await must(
        'GET',
        `/api/v1/projects/${b.pid}/columns`,
        undefined,
        200,
      )) as ColumnState[];
      b.columns = columns.map((c) => ({ id: c.id, taskIds: [...c.taskIds] }));
    });
    return {
      boards: states.slice(0, o.boards),
      hot: states.slice(o.boards),
      seconds: round((now() - t0) / 1000, 2),
      writes,
    };
  } finally {
    api.close();
  }
}

export interface BoardRecord extends RequestRecord {
  kind: WriteKind;
}

interface KindStats {
  n: number;
  ok: number;
  /** Accepted writes: from sending until the answer, which comes once the views show the write. */
  latencyMs: Summary;
  statuses: Record<string, number>;
}

export interface BoardWorkloadResult {
  shape: BoardShape;
  clients: number;
  /** Distinct boards written to. */
  boardsTouched: number;
  /** Tasks on the hot board before and after (hot workloads; adds make it grow). */
  hotBoardTasks: { atStart: number; atEnd: number } | null;
  seconds: number;
  /** Write requests answered, of every kind and outcome. */
  writes: number;
  ok: number;
  /** Accepted writes per second. */
  writesPerSec: number;
  /** Writes answered per second, accepted or refused (a refused move costs the system about as much). */
  answeredPerSec: number;
  /** Accepted writes, write-to-visible (the API answers once the views show the write). */
  latencyMs: Summary;
  /** Refused writes (409/422) wait for their outcome too. */
  refusedLatencyMs: Summary;
  /** The reads (GET columns) each move is preceded by; they take client time, not write time. */
  reads: { n: number; perSec: number; latencyMs: Summary; errors: number };
  byKind: Record<WriteKind, KindStats>;
  conflicts: {
    /** Adds and edits: nothing in them depends on a view; every 409/422 is a product problem. */
    notStale: { commands: number; status409: number; status422: number; rate: number };
    /** Moves carry the destination's order as read: refused when another client changed it since. */
    moves: { commands: number; refused409: number; refused422: number; refusedRate: number };
    total409: number;
    total422: number;
  };
  /** 202: not visible within WRITE_WAIT_MS. */
  pending: number;
  /** Anything else: 404, 5xx, connection failures. */
  errors: number;
  statuses: Record<string, number>;
}

/**
 * Closed loop (`closedLoop`): `clients` callers, each sending its next request once the previous
 * is answered, until `durationMs` has passed or `maxWrites` writes were sent. Spread: each write
 * goes to a board picked at random among `boards`; hot: every write goes to `hot`. Each client
 * keeps its own copy of what it knows of the boards, updated from its answers and its reads.
 */
export async function runBoardWorkload(o: {
  port: number;
  token: string;
  shape: BoardShape;
  clients: number;
  durationMs: number;
  maxWrites: number;
  boards: BoardState[];
  hot: BoardState;
  seed: number;
}): Promise<{ result: BoardWorkloadResult; records: BoardRecord[] }> {
  const mix = o.shape === 'spreadAddsEdits' ? ADD_EDIT_MIX : BOARD_MIX;
  const api = new Api(o.port, o.token, o.clients);
  const records: BoardRecord[] = [];
  const reads: Array<{ ms: number; ok: boolean }> = [];
  const touched = new Set<string>();
  let failures = 0;
  let hotAtStart = 0;
  let hotAtEnd = 0;
  const countTasks = (b: BoardState) => b.columns.reduce((n, c) => n + c.taskIds.length, 0);
  if (o.shape === 'hot') {
    const r = await api.call('GET', `/api/v1/projects/${o.hot.pid}/columns`);
    if (r.status === 200)
      o.hot.columns = (r.json as ColumnState[]).map((c) => ({ id: c.id, taskIds: [...c.taskIds] }));
    hotAtStart = countTasks(o.hot);
  }
  const caller = (c: number) => {
    const rand = rng(o.seed * 1000 + c + 1);
    const mine = o.shape === 'hot' ? [copy(o.hot)] : o.boards.map(copy);
    const write = async (kind: WriteKind, method: Call['method'], path: string, body: unknown) => {
      const traceId = trace();
      const t0 = now();
      const res = await api.call(method, path, body, traceId);
      const t1 = now();
      const pending = res.status === 202 && res.text.includes('"pending"');
      records.push({ kind, traceId, t0, t1, status: res.status, pending, version: null });
      if (res.status === 0) failures++;
      if (res.status === 0 || res.status >= 500 || res.status === 404 || res.status === 400) {
        process.stderr.write(
          `[bench] ${method} ${path} -> ${res.status} ${res.text.slice(0, 200)}\n`,
        );
      }
      return res;
    };
    const kinds = (Object.entries(mix) as Array<[WriteKind, number]>).filter(([, x]) => x > 0);
    return async (issued: number) => {
      const board = mine[rand(mine.length)]!;
      touched.add(board.pid);
      let x = rand(1000) / 1000;
      const kind = kinds.find(([, share]) => (x -= share) < 0)?.[0] ?? kinds.at(-1)![0];
      const tasks = board.columns.flatMap((col) => col.taskIds);
      if (kind === 'add' || tasks.length === 0) {
        const column = board.columns[rand(board.columns.length)]!;
        const res = await write(
          'add',
          'POST',
          `/api/v1/projects/${board.pid}/columns/${column.id}/tasks`,
          { title: `Added by ${c}` },
        );
        if (res.status === 201 && res.json?.id) column.taskIds.push(res.json.id);
      } else if (kind === 'edit') {
        const tid = tasks[rand(tasks.length)]!;
        const body =
          rand(2) === 0
            ? { points: rand(13) }
            : { title: `Edited by ${c}`, content: `edit ${issued}` };
        await write('edit', 'PATCH', `/api/v1/projects/tasks/${tid}`, body);
      } else {
        // Re-read right before moving, so the move is valid unless someone else moves first.
        const t = now();
        const r = await api.call('GET', `/api/v1/projects/${board.pid}/columns`);
        reads.push({ ms: now() - t, ok: r.status === 200 });
        if (r.status === 200)
          board.columns = (r.json as ColumnState[]).map((col) => ({
            id: col.id,
            taskIds: [...col.taskIds],
          }));
        const sources = board.columns.filter((col) => col.taskIds.length > 0);
        if (sources.length === 0 || board.columns.length < 2) return;
        const from = sources[rand(sources.length)]!;
        const tid = from.taskIds[rand(from.taskIds.length)]!;
        const others = board.columns.filter((col) => col !== from);
        const to = others[rand(others.length)]!;
        const at = rand(to.taskIds.length + 1);
        const taskIds = [...to.taskIds.slice(0, at), tid, ...to.taskIds.slice(at)];
        const res = await write('move', 'PATCH', `/api/v1/projects/tasks/${tid}/move`, {
          from: from.id,
          to: to.id,
          taskIds,
        });
        if (res.status === 200 && Array.isArray(res.json?.columns)) {
          for (const answered of res.json.columns as ColumnState[]) {
            const mineCol = board.columns.find((col) => col.id === answered.id);
            if (mineCol) mineCol.taskIds = [...answered.taskIds];
          }
        }
      }
    };
  };
  const { seconds } = await closedLoop(
    // Connection failures mean the system is gone: stop rather than count a flood of them.
    {
      clients: o.clients,
      durationMs: o.durationMs,
      maxOps: o.maxWrites,
      stop: () => failures >= 20,
    },
    caller,
  );
  if (o.shape === 'hot') {
    const r = await api.call('GET', `/api/v1/projects/${o.hot.pid}/columns`);
    if (r.status === 200)
      o.hot.columns = (r.json as ColumnState[]).map((c) => ({ id: c.id, taskIds: [...c.taskIds] }));
    hotAtEnd = countTasks(o.hot);
  }
  api.close();
  return {
    records,
    result: summarizeBoardRun(
      o.shape,
      o.clients,
      seconds,
      records,
      reads,
      touched.size,
      o.shape === 'hot' ? { atStart: hotAtStart, atEnd: hotAtEnd } : null,
    ),
  };
}

const isOk = (r: RequestRecord) => r.status === 200 || r.status === 201;

function summarizeBoardRun(
  shape: BoardShape,
  clients: number,
  seconds: number,
  records: BoardRecord[],
  reads: Array<{ ms: number; ok: boolean }>,
  boardsTouched: number,
  hotBoardTasks: BoardWorkloadResult['hotBoardTasks'],
): BoardWorkloadResult {
  const statusKey = (r: RequestRecord) => (r.pending ? '202-pending' : String(r.status));
  const count = (rs: RequestRecord[]) => {
    const out: Record<string, number> = {};
    for (const r of rs) out[statusKey(r)] = (out[statusKey(r)] ?? 0) + 1;
    return out;
  };
  const byKind = {} as Record<WriteKind, KindStats>;
  for (const kind of ['add', 'edit', 'move'] as WriteKind[]) {
    const rs = records.filter((r) => r.kind === kind);
    byKind[kind] = {
      n: rs.length,
      ok: rs.filter(isOk).length,
      latencyMs: summarize(rs.filter(isOk).map((r) => r.t1 - r.t0)),
      statuses: count(rs),
    };
  }
  const notStale = records.filter((r) => r.kind !== 'move');
  const moves = records.filter((r) => r.kind === 'move');
  const n = (rs: RequestRecord[], status: number) => rs.filter((r) => r.status === status).length;
  const ok = records.filter(isOk).length;
  const pending = records.filter((r) => r.pending).length;
  const refused = records.filter((r) => r.status === 409 || r.status === 422);
  return {
    shape,
    clients,
    boardsTouched,
    hotBoardTasks,
    seconds: round(seconds, 3),
    writes: records.length,
    ok,
    writesPerSec: Math.round(ok / seconds),
    answeredPerSec: Math.round((ok + refused.length) / seconds),
    latencyMs: summarize(records.filter(isOk).map((r) => r.t1 - r.t0)),
    refusedLatencyMs: summarize(refused.map((r) => r.t1 - r.t0)),
    reads: {
      n: reads.length,
      perSec: Math.round(reads.length / seconds),
      latencyMs: summarize(reads.map((r) => r.ms)),
      errors: reads.filter((r) => !r.ok).length,
    },
    byKind,
    conflicts: {
      notStale: {
        commands: notStale.length,
        status409: n(notStale, 409),
        status422: n(notStale, 422),
        rate: notStale.length
          ? round((n(notStale, 409) + n(notStale, 422)) / notStale.length, 4)
          : 0,
      },
      moves: {
        commands: moves.length,
        refused409: n(moves, 409),
        refused422: n(moves, 422),
        refusedRate: moves.length ? round((n(moves, 409) + n(moves, 422)) / moves.length, 4) : 0,
      },
      total409: n(records, 409),
      total422: n(records, 422),
    },
    pending,
    errors: records.length - ok - pending - refused.length,
    statuses: count(records),
  };
}
