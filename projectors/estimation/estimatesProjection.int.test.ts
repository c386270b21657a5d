import {
  estimateDecider,
  estimateTotals,
  type Estimate as State,
} from '../../components/estimation/estimateDecider';
import { lineTotal } from '../../components/estimation/totals';
import type { EventEnvelope } from '../../contracts/envelope';
import {
  ESTIMATE_CATEGORY,
  estimateEvents,
  type EstimateCommand,
  type EstimateEvent,
  type ItemData,
} from '../../contracts/estimation';
import type { CategoryWriter } from '../../platform/eventlog/port';
import type { StanEventLog } from '../../platform/eventlog/stanEventLog';
import { newId } from '../../platform/ids';
import { testPrefix, uniq, type TestDatabase } from '../../test/support/env';
import {
  Author,
  duplicate,
  redelivering,
  rowCount,
  TestProjector,
  typesOf,
  withProjectionServers,
} from '../../test/support/projections';
import { estimatesFor, findEstimate, listEstimates, type Estimate } from './estimateQueries';
import { estimatesProjection } from './estimatesProjection';

jest.setTimeout(60_000);

const prefix = testPrefix();
const PROJECT = newId();
const AUTHOR_ID = newId();
const TEAM = `auth0|team-${uniq()}`;
const CLIENT = `auth0|client-${uniq()}`;
const CLIENT_EMAIL = `client-${uniq()}@example.com`;
const EXPIRES = '2027-01-01T00:00:00.000Z';

let log: StanEventLog;
let writer: CategoryWriter;
let author: Author<EstimateCommand, EstimateEvent, State>;
let one: TestDatabase;
let many: TestDatabase;
let live: TestProjector;
let batched: TestProjector;

withProjectionServers(
  'estimates',
  prefix,
  [ESTIMATE_CATEGORY],
  (servers) => {
    ({ log, one, many } = servers);
    writer = servers.writers[0]!;
    author = new Author(writer, estimateDecider);
  },
  () => [live, batched],
);

// Commands: drafts from the team, and what the approval workflow records --------------------------

const stream = (id: string) => `${ESTIMATE_CATEGORY}-${id}`;

function send<T extends EstimateCommand['type']>(
  id: string,
  type: T,
  data: Extract<EstimateCommand, { type: T }>['data'],
  by: string | null = TEAM,
): void {
  author.send(stream(id), { type, data } as EstimateCommand, by);
}

const item = (
  description: string,
  quantity: string,
  unitPrice: number,
  taskId?: string,
): ItemData => ({
  itemId: newId(),
  description,
  quantity,
  unit: 'hour',
  unitPrice,
  ...(taskId ? { taskId } : {}),
});

function draft(
  title: string,
  items: ItemData[] = [],
  extra: Partial<Extract<EstimateCommand, { type: 'DraftEstimate' }>['data']> = {},
): string {
  const id = newId();
  send(id, 'DraftEstimate', {
    estimateId: id,
    projectId: PROJECT,
    title,
    currency: 'USD',
    validUntil: '2027-02-01',
    createdBy: AUTHOR_ID,
    items,
    ...extra,
  });
  return id;
}

const sendOut = (id: string) =>
  send(
    id,
    'RecordEstimateSent',
    { clientEmail: CLIENT_EMAIL, expiresAt: EXPIRES, sentBy: TEAM },
    null,
  );

// What the views must say -------------------------------------------------------------------------

/**
 * An estimate as the estimate decider folds it (status, items and their order, prices, the
 * client), with what only the views keep (title, notes, the process's times and deciders, the
 * history) worked out here from what each event says.
 */
function expectedEstimate(events: EventEnvelope[]): Estimate {
  const state = events.reduce(
    (s, e) => estimateDecider.evolve(s, e as unknown as EstimateEvent),
    estimateDecider.initialState(),
  );
  const drafted = events[0]!.data as Extract<EstimateEvent, { type: 'EstimateDrafted' }>['data'];
  const fields = { title: drafted.title, validUntil: drafted.validUntil, notes: drafted.notes };
  const process = {
    sentAt: null as string | null,
    expiresAt: null as string | null,
    decidedBy: null as string | null,
    reason: null as string | null,
  };
  for (const envelope of events) {
    const e = envelope as unknown as EstimateEvent;
    if (e.type === 'EstimateModified')
      Object.assign(
        fields,
        Object.fromEntries(Object.entries(e.data).filter(([k]) => k in fields)),
      );
    if (e.type === 'EstimateSent')
      Object.assign(process, { sentAt: envelope.metadata.timestamp, expiresAt: e.data.expiresAt });
    if (e.type === 'EstimateApproved' || e.type === 'EstimateWithdrawn')
      process.decidedBy = e.data.by;
    if (e.type === 'EstimateRejected')
      Object.assign(process, { decidedBy: e.data.by, reason: e.data.reason });
  }
  const { subtotal, discount, tax, total } = estimateTotals(state);
  const last = events[events.length - 1]!;
  return {
    id: state.id,
    projectId: state.projectId,
    ...fields,
    currency: state.currency,
    taxRate: state.taxRate,
    discount: state.discount,
    depositPercent: state.depositPercent,
    clientEmail: state.clientEmail,
    supersedes: drafted.supersedes,
    status: state.status,
    items: state.itemOrder.map((id) => {
      const i = state.items[id]!;
      return {
        id,
        description: i.description,
        quantity: i.quantity,
        unit: i.unit,
        unitPrice: i.unitPrice,
        lineTotal: lineTotal(i),
        taskId: i.taskId ?? null,
      };
    }),
    totals: { subtotal, discount, tax, total },
    ...process,
    history: events.map((e) => ({ type: e.type, at: e.metadata.timestamp, by: e.metadata.userId })),
    version: last.version,
    createdAt: events[0]!.metadata.timestamp,
    updatedAt: last.metadata.timestamp,
  };
}

/** Every estimate of the log, read through the estimation app's queries, equals the fold. */
async function expectViewsFollowTheLog(db: TestDatabase): Promise<void> {
  const all = author.streamIds.map((id) => expectedEstimate(author.eventsOf(id)));
  for (const e of all)
    expect({ estimate: (await findEstimate(db.pool, e.id))?.estimate }).toEqual({ estimate: e });
  expect(await listEstimates(db.pool, PROJECT)).toEqual(all);
  expect(await estimatesFor(db.pool, PROJECT, CLIENT_EMAIL.toUpperCase())).toEqual(
    all.filter((e) => e.status !== 'draft' && e.clientEmail === CLIENT_EMAIL),
  );
  expect([
    await rowCount(db, 'estimation.estimates'),
    await rowCount(db, 'estimation.estimate_items'),
  ]).toEqual([all.length, all.flatMap((e) => e.items).length]);
}

// The story ---------------------------------------------------------------------------------------

const ids = { approved: '', rejected: '', expired: '', withdrawn: '', revision: '' };
const revisionItems = [
  item('Design, revised', '6', 9_000),
  item('Build, revised', '1.25', 120_000),
];

describe('the estimates projection', () => {
  it('applies every estimate event as the estimate decider folds it, one entry per transaction or hundreds', async () => {
    live = await TestProjector.start(log, one, estimatesProjection, 1);

    const design = item('Design', '12', 8_500, newId());
    const build = item('Build', '1.5', 100_000);
    const extra = item('Hosting', '3', 1_999);
    ids.approved = draft('Website', [design, build, extra], {
      taxRate: 2000,
      discount: 500,
      depositPercent: 30,
      notes: 'first cut',
      clientEmail: CLIENT_EMAIL,
    });
    send(ids.approved, 'ModifyEstimate', {
      title: 'Website, v2',
      notes: 'after the call',
      validUntil: '2027-03-01',
      currency: 'EUR',
      depositPercent: 50,
      taxRate: 1000,
      discount: 1_000,
      clientEmail: null,
    });
    send(ids.approved, 'ModifyEstimate', { clientEmail: CLIENT_EMAIL });
    const more = [item('Support', '0.333', 30_000), item('Training', '2', 15_000, newId())];
    send(ids.approved, 'AddEstimateItems', { items: more });
    send(ids.approved, 'ModifyEstimateItem', {
      itemId: build.itemId,
      quantity: '2.5',
      unitPrice: 99_999,
    });
    send(ids.approved, 'ModifyEstimateItem', {
      itemId: design.itemId,
      description: 'Design and copy',
      unit: 'point',
    });
    send(ids.approved, 'RemoveEstimateItem', { itemId: extra.itemId });
    sendOut(ids.approved);
    send(ids.approved, 'RecordEstimateReminder', { clientEmail: CLIENT_EMAIL }, null);
    send(ids.approved, 'RecordEstimateApproved', { by: CLIENT }, CLIENT);
    // Refusals are entries of the log too: they change no view.
    expect(
      author.refused(
        stream(ids.approved),
        { type: 'ModifyEstimate', data: { title: 'Too late' } },
        TEAM,
      ),
    ).toBe('conflict');

    ids.rejected = draft('Mobile app');
    send(ids.rejected, 'AddEstimateItems', { items: [item('App', '40', 12_000)] });
    send(ids.rejected, 'ModifyEstimate', { clientEmail: CLIENT_EMAIL, discount: 50_000 });
    sendOut(ids.rejected);
    send(ids.rejected, 'RecordEstimateRejected', { by: CLIENT, reason: 'over budget' }, CLIENT);

    ids.expired = draft('Audit', [item('Audit', '1', 250_000)]);
    sendOut(ids.expired);
    send(ids.expired, 'RecordEstimateExpired', {}, null);

    ids.withdrawn = draft('Hosting', [item('Hosting', '12', 2_000)]);
    sendOut(ids.withdrawn);
    send(ids.withdrawn, 'RecordEstimateWithdrawn', { by: TEAM });

    ids.revision = draft('Mobile app, revised', revisionItems, {
      supersedes: ids.rejected,
      taxRate: 825,
    });
    await author.flush();

    expect(typesOf(author.events)).toEqual(Object.keys(estimateEvents).sort());
    await live.caughtUp();
    batched = await TestProjector.start(log, many, estimatesProjection, 500);
    await batched.caughtUp();
    expect(batched.host.stats.batches).toBeLessThan(batched.host.stats.entries / 3);
    await expectViewsFollowTheLog(one);
    await expectViewsFollowTheLog(many);
    expect(
      (await findEstimate(many.pool, ids.approved))?.estimate.items.map((i) => i.description),
    ).toEqual(['Design and copy', 'Build', 'Support', 'Training']);
  });

  it('resumes from its checkpoint after a restart, repricing drafts it wrote before', async () => {
    await Promise.all([live.stop(), batched.stop()]);
    const checkpoints = [live.host.position, batched.host.position];
    const [designed, built] = revisionItems as [ItemData, ItemData];
    send(ids.revision, 'ModifyEstimateItem', {
      itemId: built.itemId,
      quantity: '1',
      unitPrice: 110_000,
    });
    send(ids.revision, 'RemoveEstimateItem', { itemId: designed.itemId });
    send(ids.revision, 'AddEstimateItems', { items: [item('Design, third pass', '4', 9_500)] });
    send(ids.revision, 'ModifyEstimate', { discount: 7_500, clientEmail: CLIENT_EMAIL });
    sendOut(ids.revision);
    send(ids.revision, 'RecordEstimateApproved', { by: CLIENT }, CLIENT);
    const fresh = draft('Maintenance', [item('Maintenance', '10', 5_000)]);
    send(fresh, 'ModifyEstimate', { taxRate: 1_900 });
    await author.flush();

    live = await TestProjector.start(log, one, estimatesProjection, 1);
    batched = await TestProjector.start(log, many, estimatesProjection, 500);
    await live.caughtUp();
    await batched.caughtUp();
    expect([live.host.stats.entries, batched.host.stats.entries]).toEqual([
      live.host.position - checkpoints[0]!,
      batched.host.position - checkpoints[1]!,
    ]);
    await expectViewsFollowTheLog(one);
    await expectViewsFollowTheLog(many);
  });

  it('changes nothing for a duplicated entry or a redelivered one', async () => {
    await Promise.all([live.stop(), batched.stop()]);
    // Item additions and status changes again: applied twice, they would add lines and history.
    const copies = author.entries;
    await duplicate(log, prefix, ESTIMATE_CATEGORY, copies);
    const late = draft('Late', [item('Late', '1', 100)]);
    send(late, 'RemoveEstimateItem', {
      itemId: (author.eventsOf(stream(late))[1]!.data as ItemData).itemId,
    });
    await author.flush();
    const flaky = redelivering(log);
    live = await TestProjector.start(flaky, one, estimatesProjection, 1);
    batched = await TestProjector.start(flaky, many, estimatesProjection, 500);
    await live.caughtUp();
    await batched.caughtUp();
    expect(flaky.redelivered).toBeGreaterThan(0);
    for (const p of [live, batched])
      expect(p.host.stats.duplicates).toBeGreaterThanOrEqual(copies.flat().length);
    await expectViewsFollowTheLog(one);
    await expectViewsFollowTheLog(many);
  });
});
