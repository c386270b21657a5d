import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { repoPath } from '../platform/paths';
import { LOCAL_STEPS } from './steps';
import { UNMATCHED_PAYMENTS } from './payments/invoicePayment';
import { tracedBundle, WORKFLOW_TRACING_MODULE } from '../platform/tracing/temporal';

jest.setTimeout(120_000);

/**
 * Every recorded path of the processes (npm run record-histories) replayed against today's
 * workflow code: a change that would decide differently from the recorded runs fails here,
 * before it could break the processes running in production. Guard such changes with patched().
 */
const fixtures = repoPath('workflows', '__fixtures__');
const historiesIn = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({
      workflowId: f.replace('.json', ''),
      history: JSON.parse(readFileSync(join(dir, f), 'utf8')),
    }));
const histories = historiesIn(fixtures);
// Recorded before the steps became local activities (patch LOCAL_STEPS): runs like these may
// still be in flight when the new code is deployed, so they must replay on the old path.
const beforeLocalSteps = historiesIn(join(fixtures, 'before-local-steps'));
const paths = [
  'estimate-approved',
  'estimate-expired',
  'estimate-rejected',
  'estimate-withdrawn',
  'invoice-cancelled',
  'invoice-compensated',
  'invoice-overdue-then-paid',
  'invoice-paid-by-provider',
  'invoice-paid-manually',
];
// Paths that exist only since a later patch, recorded with today's code alone.
const newPaths = ['invoice-paid-late', 'invoice-unmatched-then-paid'];

const silent = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } as never;

let bundle: { codePath: string } | { code: string };
/** What a traced worker runs: the same workflows with the OpenTelemetry interceptors in the bundle. */
let traced: { codePath: string } | { code: string };
beforeAll(async () => {
  const prebuilt = repoPath('dist', 'workflow-bundle.js');
  bundle = existsSync(prebuilt)
    ? { codePath: prebuilt }
    : await bundleWorkflowCode({
        workflowsPath: repoPath('workflows', 'index.ts'),
        logger: silent,
      });
  traced = existsSync(tracedBundle(prebuilt))
    ? { codePath: tracedBundle(prebuilt) }
    : await bundleWorkflowCode({
        workflowsPath: repoPath('workflows', 'index.ts'),
        workflowInterceptorModules: [WORKFLOW_TRACING_MODULE],
        logger: silent,
      });
});

describe('workflow replay', () => {
  it('has a history for every path of both processes, in both shapes', () => {
    expect(histories.map((h) => h.workflowId).sort()).toEqual([...paths, ...newPaths].sort());
    expect(beforeLocalSteps.map((h) => h.workflowId).sort()).toEqual(paths);
  });

  it.each([
    ['recorded with today’s code', histories],
    ['recorded before the steps were local activities', beforeLocalSteps],
  ])('replays every history %s', async (_shape, recorded) => {
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, recorded)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });

  // Turning tracing on (or off) must not change what a workflow decides: the interceptors add
  // spans and headers, never a command, so runs recorded untraced replay on the traced code.
  it.each([
    ['recorded with today’s code', histories],
    ['recorded before the steps were local activities', beforeLocalSteps],
  ])('replays every history %s with the tracing interceptors', async (_shape, recorded) => {
    const failures: string[] = [];
    let exported = 0;
    const sinks = {
      exporter: {
        export: {
          fn: () => {
            exported++;
          },
          callDuringReplay: true,
        },
      },
    };
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: traced, sinks },
      recorded,
    )) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    // The interceptors did run: the workflows' spans reached the sink.
    expect(exported).toBeGreaterThan(0);
  });

  it('tells the shapes apart by their patch markers', () => {
    type Event = {
      markerRecordedEventAttributes?: {
        markerName?: string;
        details?: Record<string, { payloads?: Array<{ data?: string }> }>;
      };
      activityTaskScheduledEventAttributes?: unknown;
    };
    const patchIds = (e: Event) =>
      e.markerRecordedEventAttributes?.markerName === 'core_patch'
        ? (e.markerRecordedEventAttributes.details?.['patch-data']?.payloads ?? []).map(
            (p) => JSON.parse(Buffer.from(p.data ?? '', 'base64').toString()).id,
          )
        : [];
    const markers = (h: { history: { events: Event[] } }) => ({
      markers: h.history.events.some((e) => patchIds(e).includes(LOCAL_STEPS)),
      activities: h.history.events.some((e) => e.activityTaskScheduledEventAttributes),
    });
    const approved = (set: typeof histories) =>
      markers(set.find((h) => h.workflowId === 'estimate-approved')!);
    expect(approved(histories)).toEqual({ markers: true, activities: false });
    expect(approved(beforeLocalSteps)).toEqual({ markers: false, activities: true });
    // Provider payments counted before the unmatched-payments patch replay without its marker;
    // the unmatched path was recorded with it.
    const patchedRun = (name: string) =>
      histories
        .find((h) => h.workflowId === name)!
        .history.events.some((e: Event) => patchIds(e).includes(UNMATCHED_PAYMENTS));
    expect(
      ['invoice-paid-by-provider', 'invoice-compensated', 'invoice-unmatched-then-paid'].map(
        patchedRun,
      ),
    ).toEqual([false, false, true]);
  });

  it('fails when the code would decide differently', async () => {
    const broken = await bundleWorkflowCode({
      workflowsPath: join(__dirname, 'replay', 'brokenApproval.fixture.ts'),
      logger: silent,
    });
    for (const set of [histories, beforeLocalSteps]) {
      const approved = set.find((h) => h.workflowId === 'estimate-approved')!;
      await expect(
        Worker.runReplayHistory({ workflowBundle: broken }, approved.history, approved.workflowId),
      ).rejects.toBeInstanceOf(DeterminismViolationError);
    }
  });
});
