import type { CommandEnvelope } from '../../contracts/envelope';
import type { LogSession } from '../eventlog/port';
import { newId } from '../ids';
import { eventually, testLog, uniq } from '../../test/support/env';
import { flows } from '../../test/support/flows';
import { startWholeSystem, type TestSystem } from '../../test/support/system';

jest.setTimeout(180_000);

// Small caps, so that a handful of slow commands is enough to fill a user's share, and a missing
// cap would show as the other user's send waiting behind them.
const CAPS = { DISPATCHER_CONCURRENCY: '16', DISPATCHER_PER_USER: '4', DISPATCHER_PER_STREAM: '1' };

let sys: TestSystem;
let log: LogSession;
beforeAll(async () => {
  sys = await startWholeSystem(CAPS);
  log = await testLog(sys.db, sys.prefix, 'flood');
});
afterAll(async () => {
  await log?.close();
  await sys?.stop();
});

/** A process command as the estimation app builds it (platform/http/commands.ts), from `sub`. */
const processCommand = (
  sub: string,
  type: string,
  streamId: string,
  data: unknown,
): CommandEnvelope => {
  const id = newId();
  return {
    id,
    type,
    streamId,
    expectedVersion: null,
    data,
    metadata: {
      traceId: id.replace(/-/g, ''),
      correlationId: id,
      causationId: null,
      userId: sub,
      timestamp: new Date().toISOString(),
    },
  };
};

describe('the dispatcher under one user’s flood', () => {
  it('answers another user’s send in normal time, and refuses the flood’s commands instead of retrying them for ever', async () => {
    const f = flows(sys);
    const flooder = await f.person('flooder');
    const owner = await f.person('owner');
    const client = await f.person('client');
    const pid = await f.project(owner);
    const draft = await owner.call('POST', `/projects/${pid}/estimates`, {
      title: 'Work',
      currency: 'EUR',
      validUntil: '2099-12-31',
      clientEmail: client.email,
      items: [{ description: 'Build', quantity: '10', unit: 'hour', unitPrice: 10000 }],
    });
    expect(draft.status).toBe(201);

    // The flood, straight onto the process channel (every command passes the contracts):
    // - slow: decisions on estimates that have no process, each held 5 s by the dispatcher's
    //   wait for a process that is starting, then refused (409);
    // - failing: sends whose estimate id the route's look-up cannot take (Postgres refuses it as
    //   a uuid), the same on every attempt. The old dispatcher left these unacknowledged and
    //   retried them after each 60 s ack wait, each holding a slot meanwhile.
    const slow = Array.from({ length: 20 }, () =>
      processCommand(flooder.sub, 'DecideEstimate', `estimate-${newId()}`, {
        decision: 'withdraw',
        by: flooder.sub,
        email: null,
      }),
    );
    const failing = Array.from({ length: 130 }, (_, i) =>
      processCommand(flooder.sub, 'SendEstimate', `estimate-flood-${uniq()}-${i}`, {
        expiresInMs: 60_000,
        reminderBeforeMs: 0,
      }),
    );
    const flood = [...slow, ...failing];
    await Promise.all(flood.map((c) => log.sendCommand(c, 'process')));

    // Behind all of it in the channel, another user's send.
    const started = Date.now();
    const sent = await owner.call('POST', `/estimates/${draft.body.id}/send`, {
      expiresInMs: 60_000,
      reminderBeforeMs: 0,
    });
    const tookMs = Date.now() - started;
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ status: 'sent' });
    // Normal time: a send takes well under a second on this stack. Without a per-user share it
    // would wait for a slow command's slot (5 s); without refusals, for ever (202).
    expect(tookMs).toBeLessThan(3500);

    // Every flood command ends refused, and its sender can read why.
    const outcomes = await eventually(
      async () => {
        const all = await Promise.all(
          flood.map(async (c) => (await flooder.call('GET', `/commands/${c.id}`)).body),
        );
        return all.every((o) => o.status !== 'pending') ? all : null;
      },
      90_000,
      'the flood to be decided',
    );
    const codes = (list: CommandEnvelope[]) =>
      new Set(
        outcomes
          .filter((o) => list.some((c) => c.id === o.commandId))
          .map((o) => `${o.status} ${o.code}`),
      );
    expect(codes(failing)).toEqual(new Set(['rejected invalid']));
    expect(codes(slow)).toEqual(new Set(['rejected conflict']));
    expect(outcomes.find((o) => o.commandId === failing[0]!.id).reason).toMatch(/uuid/);

    // The dispatcher is free again: the flooder's own next real send goes through.
    const own = await flooder.call('POST', `/projects/${await f.project(flooder)}/estimates`, {
      title: 'Mine',
      currency: 'EUR',
      validUntil: '2099-12-31',
      clientEmail: client.email,
      items: [{ description: 'Build', quantity: '1', unit: 'hour', unitPrice: 10000 }],
    });
    expect(
      (
        await flooder.call('POST', `/estimates/${own.body.id}/send`, {
          expiresInMs: 60_000,
          reminderBeforeMs: 0,
        })
      ).status,
    ).toBe(200);
  });
});
