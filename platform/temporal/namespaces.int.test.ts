import { Client, type Connection } from '@temporalio/client';
import { ESTIMATE_ID, SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes';
import { uniq } from '../../test/support/env';
import { connectTemporal } from './connection';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { ensureNamespaces } from './namespaces';

jest.setTimeout(120_000);

const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
let connection: Connection | undefined;
const made: string[] = [];

beforeAll(async () => {
  ({ connection } = await connectTemporal({ address, namespace: 'default', taskQueue: 'none' }));
});
afterAll(async () => {
  // The server keeps no clutter of ours (it removes a deleted namespace in the background).
  for (const namespace of made)
    await connection?.operatorService.deleteNamespace({ namespace }).catch(() => undefined);
  await connection?.close();
});

const customAttributes = async (namespace: string) =>
  (await connection!.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};

describe('ensuring namespaces on a server someone else started', () => {
  it('creates a missing namespace with its search attributes, then finds nothing to do', async () => {
    // A name of its own: the shared test server's namespaces are left alone.
    const namespace = `devpie-ensure-${uniq()}`;
    made.push(namespace);
    const first = await ensureNamespaces(connection!, [namespace], SEARCH_ATTRIBUTES);
    expect(first).toEqual([
      { namespace, created: true, addedSearchAttributes: SEARCH_ATTRIBUTES.map((a) => a.name) },
    ]);
    expect(Object.keys(await customAttributes(namespace))).toEqual(
      expect.arrayContaining(SEARCH_ATTRIBUTES.map((a) => a.name)),
    );
    // Usable at once, search attributes included, as `npm test` needs it right after.
    const client = new Client({ connection: connection!, namespace });
    const handle = await client.workflow.start('nothing', {
      taskQueue: `nobody-${uniq()}`,
      workflowId: `ensure-${uniq()}`,
      typedSearchAttributes: [{ key: ESTIMATE_ID, value: 'e-1' }],
    });
    await handle.terminate('only started to see the namespace take it');
    const again = await ensureNamespaces(connection!, [namespace], SEARCH_ATTRIBUTES);
    expect(again).toEqual([{ namespace, created: false, addedSearchAttributes: [] }]);
  });

  it('adds only the search attributes an existing namespace lacks, twice in a row', async () => {
    const namespace = `devpie-ensure-${uniq()}`;
    made.push(namespace);
    await ensureNamespaces(connection!, [namespace], [ESTIMATE_ID]);
    const extra = `Extra${uniq()}`;
    const wanted = [ESTIMATE_ID, defineSearchAttributeKey(extra, SearchAttributeType.KEYWORD)];
    expect(await ensureNamespaces(connection!, [namespace], wanted)).toEqual([
      { namespace, created: false, addedSearchAttributes: [extra] },
    ]);
    expect(await ensureNamespaces(connection!, [namespace], wanted)).toEqual([
      { namespace, created: false, addedSearchAttributes: [] },
    ]);
    expect(Object.keys(await customAttributes(namespace))).toEqual(
      expect.arrayContaining(['EstimateId', extra]),
    );
  });
});
