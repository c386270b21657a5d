import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { repoPath } from '../platform/paths';

jest.setTimeout(120_000);

/**
 * Every recorded path of the processes (npm run record-histories) replayed against today's
 * workflow code: a change that would decide differently from the recorded runs fails here,
 * before it could break the processes running in production. Guard such changes with patched().
 */
const fixtures = repoPath('workflows', '__fixtures__');
const histories = readdirSync(fixtures)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ workflowId: f.replace('.json', ''), history: JSON.parse(readFileSync(join(fixtures, f), 'utf8')) }));

const silent = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } as never;

let bundle: { codePath: string } | { code: string };
beforeAll(async () => {
  const prebuilt = repoPath('dist', 'workflow-bundle.js');
  bundle = existsSync(prebuilt) ? { codePath: prebuilt } : await bundleWorkflowCode({ workflowsPath: repoPath('workflows', 'index.ts'), logger: silent });
});

describe('workflow replay', () => {
  it('has a history for every path of both processes', () => {
    expect(histories.map((h) => h.workflowId).sort()).toEqual([
      'estimate-approved',
      'estimate-expired',
      'estimate-rejected',
      'estimate-withdrawn',
      'invoice-cancelled',
      'invoice-compensated',
      'invoice-overdue-then-paid',
      'invoice-paid-by-provider',
      'invoice-paid-manually',
    ]);
  });

  it('replays every recorded history with today’s code', async () => {
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });

  it('fails when the code would decide differently', async () => {
    const broken = await bundleWorkflowCode({ workflowsPath: join(__dirname, 'replay', 'brokenApproval.fixture.ts'), logger: silent });
    const approved = histories.find((h) => h.workflowId === 'estimate-approved')!;
    await expect(Worker.runReplayHistory({ workflowBundle: broken }, approved.history, approved.workflowId)).rejects.toBeInstanceOf(
      DeterminismViolationError,
    );
  });
});
