import type { RoleHandle, Runtime } from './runtime';
import { supervise } from './supervisor';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A role whose incarnations can be told to fail, and whose starts can be made to fail. */
function flakyRole() {
  const incarnations: Array<{ fatal: (err: Error) => void; stopped: boolean }> = [];
  let failStarts = 0;
  const factory = async (rt: Runtime): Promise<RoleHandle> => {
    if (failStarts > 0) {
      failStarts--;
      throw new Error('server not up yet');
    }
    const me = { fatal: (err: Error) => rt.fatal('flaky', err), stopped: false };
    incarnations.push(me);
    const n = incarnations.length;
    return {
      name: 'flaky',
      readiness: { log: () => true, incarnation: () => ({ ok: true, detail: n }) },
      async stop() {
        me.stopped = true;
      },
    };
  };
  return {
    factory,
    incarnations,
    failNextStarts: (n: number) => (failStarts = n),
  };
}

const exitOnFatal = {
  fatal: () => {
    throw new Error('the process was asked to exit');
  },
} as unknown as Runtime;

async function readiness(role: RoleHandle) {
  const out: Record<string, unknown> = {};
  for (const [k, check] of Object.entries(role.readiness)) out[k] = await check();
  return out;
}

describe('supervise', () => {
  it('restarts a failed role in place, stopping the failed incarnation first', async () => {
    const flaky = flakyRole();
    const role = await supervise('flaky', flaky.factory, exitOnFatal, { backoffMs: 10 });
    flaky.incarnations[0]?.fatal(new Error('log lost'));
    expect(await readiness(role)).toEqual({
      log: { ok: false, detail: 'restarting: log lost' },
      incarnation: { ok: false, detail: 'restarting: log lost' },
    });
    await sleep(50);
    expect(flaky.incarnations.map((i) => i.stopped)).toEqual([true, false]);
    expect(await readiness(role)).toEqual({ log: true, incarnation: { ok: true, detail: 2 } });
    expect(role.restarts).toBe(1);
    await role.stop();
    expect(flaky.incarnations[1]?.stopped).toBe(true);
  });

  it('keeps trying while the role cannot start, and ignores late reports of old incarnations', async () => {
    const flaky = flakyRole();
    const role = await supervise('flaky', flaky.factory, exitOnFatal, { backoffMs: 5 });
    flaky.failNextStarts(3);
    const first = flaky.incarnations[0]!;
    first.fatal(new Error('lease lost'));
    first.fatal(new Error('reported twice'));
    await sleep(200);
    expect(flaky.incarnations).toHaveLength(2);
    first.fatal(new Error('late report from the first incarnation'));
    await sleep(30);
    expect(flaky.incarnations).toHaveLength(2);
    expect(role.restarts).toBe(1);
    await role.stop();
  });

  it('stops for good while a restart is pending', async () => {
    const flaky = flakyRole();
    const role = await supervise('flaky', flaky.factory, exitOnFatal, { backoffMs: 50 });
    flaky.incarnations[0]?.fatal(new Error('log lost'));
    await role.stop();
    await sleep(80);
    expect(flaky.incarnations).toHaveLength(1);
  });
});
