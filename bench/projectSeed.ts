/**
 * More project events for the projects rebuild, when the HTTP run left fewer than the rebuild
 * should replay: new boards, each decided by the product's own board decider (so every event is
 * one the component could have written and passes contracts/projects), appended through the
 * category's writer (the product's adapter, holding the category's lease) to the same channel.
 */
import { boardDecider } from '../components/projects/boardDecider';
import type { Board } from '../components/projects/board';
import { PROJECT_CATEGORY, type ProjectCommand } from '../contracts/projects';
import type { NewEvent } from '../platform/eventlog/port';
import { nameId, newId } from '../platform/ids';
import { PostgresLeases } from '../platform/postgres/lease';
import { openLog, type BenchLog } from './logs';
import { windowed } from './logThroughput';
import { log, now, round } from './util';

// Small enough that deciding a batch never keeps the seeder from answering the server's heartbeats.
const FLUSH_EVERY = 2_000;

export interface SeedResult {
  boards: number;
  entries: number;
  events: number;
  seconds: number;
  /** The channel's end after seeding (a fence). */
  endPosition: number;
}

/**
 * Appends about `events` events on `boards` new boards of one owner: each board starts with
 * AddProject (a ProjectAdded and four ColumnAdded), then commands in the HTTP workload's mix
 * (25% add, 40% edit, 35% move), interleaved over the boards created so far.
 */
export async function seedProjectEvents(o: {
  log: BenchLog;
  prefix: string;
  databaseUrl: string;
  events: number;
  boards: number;
  window: number;
  owner: string;
  /** The events say they were written this long ago (a rebuild replays history); 0 by default. */
  agoMs?: number;
}): Promise<SeedResult> {
  const t0 = now();
  const eventLog = await openLog(o.log, {
    prefix: o.prefix,
    name: `${o.prefix}project-seeder`,
    leases: new PostgresLeases(o.databaseUrl),
  });
  try {
    const writer = await eventLog.openWriter(PROJECT_CATEGORY, () => undefined);
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const boards: Array<{ streamId: string; state: Board; version: number }> = [];
    const entries: Array<{ streamId: string; events: NewEvent[]; expected: number | 'no_stream' }> =
      [];
    let events = 0;
    let appended = 0;
    // Appended as it goes, so a seed of half a million events never holds them all at once.
    const flush = async (): Promise<number> => {
      const batch = entries.splice(0);
      await windowed(batch.length, o.window, (i, done) => {
        const e = batch[i]!;
        writer.append(e.streamId, e.events, e.expected).then(
          () => done(),
          (err: unknown) => done(err),
        );
      });
      return batch.length;
    };
    const userId = nameId('user', o.owner);
    const every = Math.max(1, Math.floor(o.events / o.boards));
    for (let i = 0; events < o.events; i++) {
      let board: (typeof boards)[number];
      let command: ProjectCommand;
      if (boards.length === 0 || (boards.length < o.boards && i % every === 0)) {
        const id = newId();
        board = {
          streamId: `${PROJECT_CATEGORY}-${id}`,
          state: boardDecider.initialState(),
          version: 0,
        };
        boards.push(board);
        command = { type: 'AddProject', data: { id, name: `Seeded ${boards.length}`, userId } };
      } else {
        board = boards[rand(boards.length)]!;
        const b = board.state;
        const columns = b.columnOrder.map((name) =>
          Object.values(b.columns).find((c) => c.columnName === name)!,
        );
        const taskIds = Object.keys(b.tasks);
        const x = rand(100);
        if (x < 25 || taskIds.length === 0) {
          command = {
            type: 'AddTask',
            data: {
              taskId: newId(),
              columnId: columns[rand(columns.length)]!.id,
              title: `Seeded task ${i}`,
            },
          };
        } else if (x < 65) {
          const taskId = taskIds[rand(taskIds.length)]!;
          command = {
            type: 'ModifyTask',
            data: rand(2)
              ? { taskId, points: rand(13) }
              : { taskId, title: `Edited ${i}`, content: `edit ${i}` },
          };
        } else {
          const taskId = taskIds[rand(taskIds.length)]!;
          const from = b.tasks[taskId]!.columnId;
          const others = columns.filter((c) => c.id !== from);
          const to = others[rand(others.length)]!;
          const at = rand(to.taskIds.length + 1);
          command = {
            type: 'MoveTask',
            data: {
              taskId,
              from,
              to: to.id,
              taskIds: [...to.taskIds.slice(0, at), taskId, ...to.taskIds.slice(at)],
            },
          };
        }
      }
      const commandId = newId();
      const decision = boardDecider.decide(
        command,
        board.state,
        {
          streamId: board.streamId,
          userId: o.owner,
          now: new Date(Date.now() - (o.agoMs ?? 0)).toISOString(),
        },
        new Map(),
      );
      if (!decision.ok)
        throw new Error(`project seed: the decider refused ${command.type}: ${decision.reason}`);
      const metadata = {
        traceId: commandId.replace(/-/g, ''),
        correlationId: commandId,
        causationId: commandId,
        userId: o.owner,
        timestamp: new Date(Date.now() - (o.agoMs ?? 0)).toISOString(),
      };
      entries.push({
        streamId: board.streamId,
        events: decision.events.map((e, k) => ({
          id: nameId(commandId, 'event', String(k)),
          type: e.type,
          data: e.data,
          metadata,
        })),
        expected: board.version === 0 ? 'no_stream' : board.version,
      });
      board.state = decision.events.reduce(boardDecider.evolve, board.state);
      board.version += decision.events.length;
      events += decision.events.length;
      appended += entries.length >= FLUSH_EVERY ? await flush() : 0;
    }
    appended += await flush();
    await writer.close();
    const endPosition = await eventLog.head(PROJECT_CATEGORY, 'event');
    const result = {
      boards: boards.length,
      entries: appended,
      events,
      seconds: round((now() - t0) / 1000, 2),
      endPosition,
    };
    log('project events seeded', result);
    return result;
  } finally {
    await eventLog.close();
  }
}
