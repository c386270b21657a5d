import { registry, report, type Readings } from './registry';

async function value(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
}

describe('readings reported by roles', () => {
  it('are read at scrape time, summed over the roles that report them', async () => {
    const stats = { retries: 2 };
    const stopA = report(() => ({
      reactorRetries: [{ labels: { reaction: 'mailer' }, value: stats.retries }],
    }));
    const stopB = report(() => ({
      reactorRetries: [{ labels: { reaction: 'mailer' }, value: 1 }],
    }));
    expect(await value('devpie_reactor_retries_total', { reaction: 'mailer' })).toBe(3);
    stats.retries = 5;
    expect(await value('devpie_reactor_retries_total', { reaction: 'mailer' })).toBe(6);
    stopA();
    stopB();
  });

  it("keep a counter's count across a role's restart in place; a gauge goes with its role", async () => {
    const first = { handled: 7, parked: 2 };
    const readings = (s: typeof first) => (): Readings => ({
      reactorHandled: [{ labels: { reaction: 'sharer' }, value: s.handled }],
      parkedEntries: [{ labels: { consumer: 'sharer', role: 'r' }, value: s.parked }],
    });
    const stopFirst = report(readings(first));
    expect(await value('devpie_parked_entries', { consumer: 'sharer' })).toBe(2);
    stopFirst();
    // The next incarnation's stats start at 0.
    const second = { handled: 0, parked: 0 };
    const stopSecond = report(readings(second));
    expect(await value('devpie_reactor_handled_total', { reaction: 'sharer' })).toBe(7);
    second.handled = 1;
    expect(await value('devpie_reactor_handled_total', { reaction: 'sharer' })).toBe(8);
    expect(await value('devpie_parked_entries', { consumer: 'sharer' })).toBe(0);
    stopSecond();
    expect(await value('devpie_parked_entries', { consumer: 'sharer' })).toBeUndefined();
    // Stopping twice changes nothing.
    stopSecond();
    expect(await value('devpie_reactor_handled_total', { reaction: 'sharer' })).toBe(8);
  });

  it('leave out a role whose reading throws, and still serve the rest', async () => {
    const stop = report(() => {
      throw new Error('not started yet');
    });
    const ok = report(() => ({ writerLeaseHeld: [{ labels: { category: 'team' }, value: 1 }] }));
    expect(await value('devpie_writer_lease_held', { category: 'team' })).toBe(1);
    expect(await registry.metrics()).toContain('devpie_writer_lease_held{category="team"} 1');
    stop();
    ok();
  });
});
