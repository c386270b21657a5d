import { Batched } from './batched';

describe('batched lookups', () => {
  it('fetches the first key at once and gathers the ones asked while it runs', async () => {
    const calls: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const b = new Batched<number>(async (keys) => {
      calls.push(keys);
      if (calls.length === 1) await gate;
      return new Map(keys.filter((k) => k !== 'none').map((k) => [k, k.length]));
    });
    const first = b.get('a');
    const rest = [b.get('bb'), b.get('ccc'), b.get('bb'), b.get('none')];
    release();
    expect(await first).toBe(1);
    expect(await Promise.all(rest)).toEqual([2, 3, 2, undefined]);
    expect(calls).toEqual([['a'], ['bb', 'ccc', 'none']]);
  });

  it('fails every waiter of a failed fetch and goes on with the next', async () => {
    let fail = true;
    const b = new Batched<string>(async (keys) => {
      if (fail) {
        fail = false;
        throw new Error('down');
      }
      return new Map(keys.map((k) => [k, k]));
    });
    const failed = b.get('x');
    const next = b.get('y');
    await expect(failed).rejects.toThrow('down');
    expect(await next).toBe('y');
  });
});
