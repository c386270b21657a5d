import type { CommandEnvelope } from '../../contracts/envelope';
import { identityComponent } from '../../components/identity';
import { loadConfig } from '../config';
import { newId } from '../ids';
import { componentRole } from '../runtime/roles';
import { createRuntime, type Runtime } from '../runtime/runtime';
import { supervise, type SupervisedRole } from '../runtime/supervisor';
import { startHoldingProxy, type HoldingProxy } from '../../test/support/holdingProxy';
import { StanEventLog } from '../eventlog/stanEventLog';
import {
  TEST_STAN,
  eventually,
  testDatabase,
  testLog,
  testPrefix,
  type TestDatabase,
} from '../../test/support/env';

jest.setTimeout(150_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let db: TestDatabase;
const cleanups: Array<() => Promise<unknown>> = [];
beforeAll(async () => {
  db = await testDatabase();
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await db.drop();
});

interface Entry {
  position: number;
  command: string;
  stream?: string;
  versions?: number[];
}

/**
 * Instances of the identity component sharing one category, each as its own process would run
 * it (restarted in place by the supervisor when it fails), with every entry they publish tagged
 * with the incarnation (the log session) that published it; and commands to keep them busy.
 */
async function rig() {
  const prefix = testPrefix();
  const log = await testLog(db, prefix, 'fencing');
  cleanups.push(() => log.close());
  const publishedBy = new Map<string, Set<number>>();
  const roles: SupervisedRole[] = [];
  let incarnations = 0;
  const sent: string[] = [];
  const users = Array.from({ length: 8 }, () => newId());

  async function instance(name: string, databaseUrl = db.url): Promise<SupervisedRole> {
    const config = loadConfig({
      ...process.env,
      DATABASE_URL: databaseUrl,
      STAN_URL: TEST_STAN.url,
      STAN_CLUSTER_ID: TEST_STAN.clusterId,
      STAN_CHANNEL_PREFIX: prefix,
      INSTANCE_ID: name,
      COMMAND_ACK_WAIT_MS: '1000',
    });
    const rt = createRuntime(config, (_role, err) => {
      throw err;
    });
    const tagged: Runtime = {
      ...rt,
      async connectLog(clientId, timeoutMs) {
        const session = await rt.connectLog(clientId, timeoutMs);
        // This suite runs on NATS Streaming (its config says so), whose publishes it taps.
        if (!(session instanceof StanEventLog)) throw new Error('expected a NATS Streaming log');
        const mine = ++incarnations;
        const tag = (channel: string, body: string) => {
          if (!channel.endsWith('user.event')) return;
          const entry = JSON.parse(body) as {
            events?: Array<{ metadata: { causationId: string } }>;
            rejection?: { commandId: string };
          };
          const id = entry.events?.[0]?.metadata.causationId ?? entry.rejection?.commandId;
          if (id) publishedBy.set(id, (publishedBy.get(id) ?? new Set()).add(mine));
        };
        const publish = session.publish.bind(session);
        session.publish = (channel, body) => {
          tag(channel, body);
          return publish(channel, body);
        };
        // The writer sends its entries through publishAll, what is ready together at once.
        const publishAll = session.publishAll.bind(session);
        session.publishAll = (channel, bodies, settled) => {
          for (const body of bodies) tag(channel, body);
          publishAll(channel, bodies, settled);
        };
        return session;
      },
    };
    const role = await supervise('identity-component', componentRole(identityComponent), tagged, {
      backoffMs: 50,
      maxBackoffMs: 500,
    });
    roles.push(role);
    cleanups.push(
      () => rt.pool.end(),
      () => role.stop(),
    );
    return role;
  }

  const command = (type: 'AddUser' | 'ModifyUser', userId: string, i = 0): CommandEnvelope => ({
    id: newId(),
    type,
    streamId: `user-${userId}`,
    expectedVersion: null,
    data:
      type === 'AddUser'
        ? {
            id: userId,
            auth0Id: `auth0|${userId}`,
            email: 'fence@example.com',
            emailVerified: true,
            firstName: 'F',
            lastName: '',
            picture: '',
            locale: '',
          }
        : { firstName: `F${i}` },
    metadata: {
      traceId: 't',
      correlationId: 'c',
      causationId: null,
      userId: 'auth0|fencing',
      timestamp: new Date().toISOString(),
    },
  });
  const send = async (c: CommandEnvelope) => {
    sent.push(c.id);
    await log.sendCommand(c);
  };

  /** Adds the users, then modifies them, ~40 commands a second, until the returned stop(). */
  async function flow(): Promise<() => Promise<void>> {
    for (const u of users) await send(command('AddUser', u));
    let flowing = true;
    const done = (async () => {
      for (let i = 0; flowing; i++) {
        const user = users[i % users.length];
        if (user) await send(command('ModifyUser', user, i));
        await sleep(25);
      }
    })();
    return async () => {
      flowing = false;
      await done;
    };
  }

  async function read(): Promise<Entry[]> {
    const entries: Entry[] = [];
    await log.read('user', 'event', 1, (d) => {
      const body = JSON.parse(d.body) as {
        events?: Array<{ streamId: string; version: number; metadata: { causationId: string } }>;
        rejection?: { commandId: string };
      };
      const [first] = body.events ?? [];
      if (first)
        entries.push({
          position: d.position,
          command: first.metadata.causationId,
          stream: first.streamId,
          versions: (body.events ?? []).map((e) => e.version),
        });
      else if (body.rejection)
        entries.push({ position: d.position, command: body.rejection.commandId });
    });
    return entries;
  }

  /** What must hold of the log once every command is decided; returns how many runs of appends. */
  async function verify(): Promise<{ runs: number }> {
    const entries = await eventually(
      async () => {
        const all = await read();
        const decided = new Set(all.map((e) => e.command));
        return sent.every((id) => decided.has(id)) ? all : null;
      },
      60_000,
      'every command to be decided',
    );
    // Once each: a command decided twice would have two entries.
    const perCommand = new Map<string, number>();
    for (const e of entries) perCommand.set(e.command, (perCommand.get(e.command) ?? 0) + 1);
    expect([...perCommand].filter(([, n]) => n > 1)).toEqual([]);
    expect(entries.filter((e) => !sent.includes(e.command))).toEqual([]);
    // Nothing here is refused (each user is added before it is modified): a refusal is a bug.
    expect(entries.filter((e) => !e.stream)).toEqual([]);

    // Each stream's versions run 1, 2, 3, ... in log order: none twice, none skipped.
    const next = new Map<string, number>();
    const broken: string[] = [];
    for (const e of entries) {
      for (const v of e.versions ?? []) {
        const stream = e.stream ?? '';
        const expected = (next.get(stream) ?? 0) + 1;
        if (v !== expected) broken.push(`${stream} at ${e.position}: ${v}, expected ${expected}`);
        next.set(stream, v);
      }
    }
    expect(broken).toEqual([]);

    // Holders never interleave: in log order, each incarnation's entries are one unbroken run.
    const runs: number[] = [];
    for (const e of entries) {
      const by = [...(publishedBy.get(e.command) ?? [])];
      expect(by).toHaveLength(1);
      const who = by[0] ?? 0;
      if (runs[runs.length - 1] !== who) runs.push(who);
    }
    expect(runs).toEqual([...new Set(runs)]);
    return { runs: runs.length };
  }

  return {
    instance,
    flow,
    verify,
    sent,
    roles,
    incarnations: () => incarnations,
    /** Ends the session of whichever instance holds the writer lease now. */
    async killHolder(): Promise<number> {
      const { rowCount } = await db.pool.query(
        `SELECT pg_terminate_backend(a.pid) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()
            AND a.application_name = $1`,
        [`lease:writer:${prefix}user`],
      );
      return rowCount ?? 0;
    },
  };
}

/**
 * Issue 11: a writer whose lease session is cut stops appending until it holds the lease again,
 * and the next holder does not begin before the last one can have stopped. The log must read as
 * if one writer at a time had written it.
 */
describe('two writers of one category', () => {
  it('never append at once, and decide every command once, while the holder is killed 20 times', async () => {
    const r = await rig();
    await r.instance('fencing-a');
    await r.instance('fencing-b');
    const stop = await r.flow();
    // Whoever holds the lease has its session killed, 20 times, 0.5 to 2 s apart.
    let killed = 0;
    const started = Date.now();
    for (let round = 0; round < 20; round++) {
      await sleep(500 + Math.random() * 1500);
      killed += await r.killHolder();
    }
    await stop();
    const killingMs = Date.now() - started;
    const { runs } = await r.verify();
    process.stdout.write(
      `lease fencing, kills: ${r.sent.length} commands, ${killed} holder sessions killed in ${(killingMs / 1000).toFixed(1)} s, ` +
        `${r.incarnations()} writer incarnations, ${runs} runs of appends, restarts ${r.roles.map((x) => x.restarts).join('+')}\n`,
    );
    expect(killed).toBeGreaterThanOrEqual(15);
  });

  it('keep apart when the holder hears of its kill only seconds later', async () => {
    const r = await rig();
    // The first instance reaches Postgres through a proxy that can hold back the server's words.
    const proxy: HoldingProxy = await startHoldingProxy(Number(new URL(db.url).port || 5432));
    cleanups.push(() => proxy.close());
    const behind = new URL(db.url);
    behind.port = String(proxy.port);
    const first = await r.instance('fencing-deaf', behind.href);
    await eventually(async () => (await first.readiness.writer?.()) === true, 20_000, 'a holder');
    await r.instance('fencing-standby');
    const stop = await r.flow();
    await sleep(1_000);
    // It hears nothing from Postgres, its session is ended, and the standby takes the lease,
    // while the deaf holder goes on taking commands from the log for three more seconds.
    proxy.hold();
    expect(await r.killHolder()).toBe(1);
    await sleep(3_000);
    proxy.release();
    await sleep(2_000);
    await stop();
    const { runs } = await r.verify();
    process.stdout.write(
      `lease fencing, deaf holder: ${r.sent.length} commands, ${r.incarnations()} writer incarnations, ${runs} runs of appends\n`,
    );
  });
});
